/** Public surface of the ingress, for tests and local tooling (`infra/dev.ts`). */
export { type AppDeps, createApp, NO_ACTIVE_TASK, WEBHOOK_PATH } from './app';
export { createLogger, formatPretty, type LoggerOptions } from './logger';
export { createIngressMetrics, type IngressMetrics, type Outcome } from './metrics';
export {
  type AcceptedDecision,
  classify,
  type RouteDecision,
  type RouterContext,
  type SignalTask,
  type StartTask,
} from './router';
export {
  type EventSink,
  type HandOff,
  SinkUnavailableError,
  TemporalEventSink,
  type TemporalSinkOptions,
} from './temporal-sink';
