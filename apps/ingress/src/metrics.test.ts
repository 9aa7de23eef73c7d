import { describe, expect, it } from 'vitest';
import { createIngressMetrics } from './metrics';

describe('ingress metrics', () => {
  it('keeps the names and labels operators scrape', async () => {
    const metrics = createIngressMetrics({ processMetrics: false });
    metrics.requests.inc({ outcome: 'accepted' });
    metrics.requests.inc({ outcome: 'accepted' });
    metrics.duration.observe({ outcome: 'accepted' }, 0.05);
    const text = await metrics.registry.metrics();
    expect(text).toContain('# TYPE ingress_requests_total counter');
    expect(text).toContain('ingress_requests_total{outcome="accepted"} 2');
    expect(text).toContain('# TYPE ingress_request_duration_seconds histogram');
    expect(text).toContain(
      'ingress_request_duration_seconds_bucket{le="0.05",outcome="accepted"} 1',
    );
    expect(text).toContain(
      'ingress_request_duration_seconds_bucket{le="+Inf",outcome="accepted"} 1',
    );
    expect(text).toContain('ingress_request_duration_seconds_count{outcome="accepted"} 1');
    expect(metrics.registry.contentType).toContain('text/plain');
  });

  it('has the process metrics by default: event-loop lag, heap, GC, handles', async () => {
    const text = await createIngressMetrics().registry.metrics();
    for (const name of [
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
      'nodejs_gc_duration_seconds',
      'nodejs_active_handles_total',
      'process_cpu_seconds_total',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
  });

  it('keeps each app in its own registry', async () => {
    const a = createIngressMetrics({ processMetrics: false });
    const b = createIngressMetrics({ processMetrics: false });
    a.requests.inc({ outcome: 'skipped' });
    expect(await b.registry.metrics()).not.toContain('outcome="skipped"');
  });
});
