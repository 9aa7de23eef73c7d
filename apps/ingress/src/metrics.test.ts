import { describe, expect, it } from 'vitest';
import { Counter, Histogram, Registry } from './metrics';

describe('metrics registry', () => {
  it('renders counters per label set', () => {
    const registry = new Registry();
    const counter = registry.register(new Counter('things_total', 'Things.'));
    counter.inc({ outcome: 'a' });
    counter.inc({ outcome: 'a' });
    counter.inc({ outcome: 'b"q' }, 3);
    expect(counter.get({ outcome: 'a' })).toBe(2);
    expect(registry.render()).toBe(
      [
        '# HELP things_total Things.',
        '# TYPE things_total counter',
        'things_total{outcome="a"} 2',
        'things_total{outcome="b\\"q"} 3',
        '',
      ].join('\n'),
    );
  });

  it('renders cumulative histogram buckets, sum and count', () => {
    const registry = new Registry();
    const histogram = registry.register(new Histogram('latency_seconds', 'Latency.', [0.1, 1]));
    histogram.observe(0.05, { outcome: 'ok' });
    histogram.observe(0.5, { outcome: 'ok' });
    histogram.observe(3, { outcome: 'ok' });
    expect(registry.render()).toBe(
      [
        '# HELP latency_seconds Latency.',
        '# TYPE latency_seconds histogram',
        'latency_seconds_bucket{outcome="ok",le="0.1"} 1',
        'latency_seconds_bucket{outcome="ok",le="1"} 2',
        'latency_seconds_bucket{outcome="ok",le="+Inf"} 3',
        'latency_seconds_sum{outcome="ok"} 3.55',
        'latency_seconds_count{outcome="ok"} 3',
        '',
      ].join('\n'),
    );
  });

  it('renders unlabelled series without braces', () => {
    const registry = new Registry();
    registry.register(new Counter('plain_total', 'Plain.')).inc();
    expect(registry.render()).toContain('\nplain_total 1\n');
  });
});
