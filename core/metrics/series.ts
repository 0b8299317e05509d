/**
 * Counters and histograms for the hot path, served through prom-client's registry.
 *
 * prom-client validates and hashes the label object on every `inc`/`observe` (~1–2 µs each, even
 * through `labels()`), and the OP records several per request (HTTP, store operations, auth
 * request outcomes): that was ~8 % of a bc-authorize's CPU. Here a label set is resolved to its
 * series once — a Map lookup on the joined label values — and an observation is a bucket search
 * and two additions. The registry renders these like its own metrics: it only needs `get()`.
 */
import type { Registry } from 'prom-client';

type Labels<L extends string> = Partial<Record<L, string | number | undefined>>;

interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/** What prom-client's Registry reads from a metric when rendering or aggregating. */
interface CustomMetric {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'histogram';
  readonly aggregator: 'sum';
  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: MetricValue[] }>;
  reset(): void;
}

interface Options<L extends string> {
  name: string;
  help: string;
  labelNames: readonly L[];
  registry: Registry;
}

/** The label sets seen so far, each with its series; keyed by the values joined in labelNames order. */
abstract class LabeledMetric<L extends string, S> implements CustomMetric {
  readonly name: string;
  readonly help: string;
  abstract readonly type: 'counter' | 'histogram';
  readonly aggregator = 'sum' as const;
  private readonly labelNames: readonly L[];
  protected series = new Map<string, { labels: Record<string, string>; data: S }>();

  constructor(options: Options<L>) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames;
    // The registry renders any object with a name and get(); its type only admits its own classes.
    options.registry.registerMetric(this as never);
  }

  protected abstract fresh(): S;
  protected abstract values(labels: Record<string, string>, data: S): MetricValue[];

  /** The series of a label set; callers on hot paths keep it and skip even the lookup. */
  protected seriesOf(labels: Labels<L>): S {
    let key = '';
    for (const name of this.labelNames) key += `${labels[name] ?? ''}\u0000`;
    let found = this.series.get(key);
    if (!found) {
      const own: Record<string, string> = {};
      for (const name of this.labelNames) if (labels[name] !== undefined) own[name] = String(labels[name]);
      found = { labels: own, data: this.fresh() };
      this.series.set(key, found);
    }
    return found.data;
  }

  async get() {
    const values: MetricValue[] = [];
    for (const { labels, data } of this.series.values()) values.push(...this.values(labels, data));
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.series.clear();
  }
}

export interface CounterSeries {
  inc(value?: number): void;
}

export class LabeledCounter<L extends string> extends LabeledMetric<L, { value: number }> {
  readonly type = 'counter' as const;

  inc(labels: Labels<L>, value = 1): void {
    this.seriesOf(labels).value += value;
  }

  labels(labels: Labels<L>): CounterSeries {
    const data = this.seriesOf(labels);
    return { inc: (value = 1) => void (data.value += value) };
  }

  protected fresh() {
    return { value: 0 };
  }

  protected values(labels: Record<string, string>, data: { value: number }): MetricValue[] {
    return [{ labels, value: data.value }];
  }
}

interface HistogramData {
  /** Per bucket (not cumulative), the last slot for values above every bound. */
  counts: Float64Array;
  sum: number;
  count: number;
}

export interface HistogramSeries {
  observe(value: number): void;
}

export class LabeledHistogram<L extends string> extends LabeledMetric<L, HistogramData> {
  readonly type = 'histogram' as const;

  constructor(
    options: Options<L>,
    private readonly buckets: readonly number[],
  ) {
    super(options);
  }

  observe(labels: Labels<L>, value: number): void {
    this.record(this.seriesOf(labels), value);
  }

  labels(labels: Labels<L>): HistogramSeries {
    const data = this.seriesOf(labels);
    return { observe: (value) => this.record(data, value) };
  }

  private record(data: HistogramData, value: number): void {
    let i = 0;
    while (i < this.buckets.length && value > (this.buckets[i] as number)) i++;
    data.counts[i] = (data.counts[i] as number) + 1;
    data.sum += value;
    data.count += 1;
  }

  protected fresh(): HistogramData {
    return { counts: new Float64Array(this.buckets.length + 1), sum: 0, count: 0 };
  }

  protected values(labels: Record<string, string>, data: HistogramData): MetricValue[] {
    const values: MetricValue[] = [];
    let cumulative = 0;
    this.buckets.forEach((bound, i) => {
      cumulative += data.counts[i] as number;
      values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: bound }, value: cumulative });
    });
    values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: '+Inf' }, value: data.count });
    values.push({ metricName: `${this.name}_sum`, labels, value: data.sum });
    values.push({ metricName: `${this.name}_count`, labels, value: data.count });
    return values;
  }
}
