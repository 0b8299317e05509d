import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { LabeledCounter, LabeledHistogram } from '../../core/metrics/series.js';

function lines(text: string, name: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(name));
}

describe('labeled metrics served through a prom-client registry', () => {
  it('counts per label set, by call or through a bound series', async () => {
    const registry = new Registry();
    const counter = new LabeledCounter({ name: 'x_total', help: 'x', labelNames: ['route', 'status'] as const, registry });
    counter.inc({ route: '/a', status: 200 });
    counter.inc({ route: '/a', status: 200 }, 2);
    counter.labels({ route: '/b', status: 400 }).inc();
    const text = await registry.metrics();
    expect(text).toContain('# TYPE x_total counter');
    expect(lines(text, 'x_total{')).toEqual(['x_total{route="/a",status="200"} 3', 'x_total{route="/b",status="400"} 1']);
  });

  it('renders histograms with cumulative buckets, +Inf, sum and count', async () => {
    const registry = new Registry();
    const histogram = new LabeledHistogram({ name: 'h_seconds', help: 'h', labelNames: ['op'] as const, registry }, [0.1, 1]);
    histogram.observe({ op: 'get' }, 0.05);
    histogram.observe({ op: 'get' }, 0.1);
    const bound = histogram.labels({ op: 'get' });
    bound.observe(0.5);
    bound.observe(7);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE h_seconds histogram');
    expect(lines(text, 'h_seconds')).toEqual([
      'h_seconds_bucket{op="get",le="0.1"} 2',
      'h_seconds_bucket{op="get",le="1"} 3',
      'h_seconds_bucket{op="get",le="+Inf"} 4',
      'h_seconds_sum{op="get"} 7.65',
      'h_seconds_count{op="get"} 4',
    ]);
  });

  it('leaves out labels that were not given and starts over on reset', async () => {
    const registry = new Registry();
    const counter = new LabeledCounter({ name: 'y_total', help: 'y', labelNames: ['endpoint', 'limit'] as const, registry });
    counter.inc({ limit: 'ip' });
    expect(lines(await registry.metrics(), 'y_total{')).toEqual(['y_total{limit="ip"} 1']);
    registry.resetMetrics();
    expect(lines(await registry.metrics(), 'y_total{')).toEqual([]);
  });
});
