/**
 * The ingress's Prometheus metrics, with prom-client: one counter and one histogram of
 * webhook answers by outcome, plus Node's process metrics (event-loop lag, heap, GC, open
 * handles, CPU), the ones operators look at first. Served at `GET /metrics`.
 */
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** What `/webhooks/github` answered, one label value per status the contract names. */
export type Outcome =
  | 'accepted'
  | 'skipped'
  | 'no_task'
  | 'invalid'
  | 'bad_request'
  | 'unauthorized'
  | 'too_large'
  | 'unavailable'
  | 'error';

/** Buckets in seconds: the ingress answers in milliseconds, 503s come after the deadline (~5 s). */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface IngressMetrics {
  registry: Registry;
  requests: Counter<'outcome'>;
  duration: Histogram<'outcome'>;
}

export interface IngressMetricsOptions {
  /**
   * Node's process metrics (`collectDefaultMetrics`); on by default. Each registry that has
   * them keeps an event-loop monitor running, so tests that make many apps turn them off.
   */
  processMetrics?: boolean;
}

export function createIngressMetrics(options: IngressMetricsOptions = {}): IngressMetrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: 'ingress_requests_total',
      help: 'Webhook deliveries by outcome.',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'ingress_request_duration_seconds',
      help: 'Time to answer a webhook delivery, by outcome.',
      labelNames: ['outcome'],
      buckets: DURATION_BUCKETS,
      registers: [registry],
    }),
  };
}
