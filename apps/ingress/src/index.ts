/** Public surface of the ingress, for tests and local tooling (`infra/dev.ts`). */
export { type AppDeps, createApp, NO_ACTIVE_TASK, WEBHOOK_PATH } from './app';
/** The former name, until `tests/bench` (owned elsewhere) imports `ClassifyContext`. */
export type { ClassifyContext as RouterContext } from './classify';
export {
  type AcceptedDecision,
  type Classification,
  type ClassifyContext,
  classify,
  type SignalTask,
  type StartTask,
} from './classify';
export { createLogger, formatPretty, type LoggerOptions } from './logger';
export { createIngressMetrics, type IngressMetrics, type Outcome } from './metrics';
export {
  type EventSink,
  type HandOff,
  SinkUnavailableError,
  TemporalEventSink,
  type TemporalSinkOptions,
} from './temporal-sink';
