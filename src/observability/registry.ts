import type { MetricFamily, Sample } from './exposition.js';

/**
 * A tiny metrics registry: counters and histograms with labels, kept in memory and rendered in
 * the Prometheus text format. A series is bound once (`labels(...)`) and then costs one
 * addition per event; no dependency, no timers.
 */
type Labels = readonly (readonly [string, string])[];

const labelsOf = (names: readonly string[], values: readonly string[]): Labels => names.map((n, i) => [n, values[i] ?? ''] as const);

abstract class Metric<Child> {
  protected readonly series = new Map<string, { labels: Labels; child: Child }>();

  constructor(readonly name: string, readonly help: string, readonly labelNames: readonly string[]) {}

  /** The series with these label values, in the order of `labelNames`. */
  labels(...values: string[]): Child {
    const key = values.join('\u0001');
    let entry = this.series.get(key);
    if (!entry) this.series.set(key, (entry = { labels: labelsOf(this.labelNames, values), child: this.create() }));
    return entry.child;
  }

  protected abstract create(): Child;
  abstract collect(): MetricFamily;
}

export class CounterSeries {
  value = 0;

  inc(by = 1): void {
    this.value += by;
  }
}

export class Counter extends Metric<CounterSeries> {
  protected create(): CounterSeries {
    return new CounterSeries();
  }

  collect(): MetricFamily {
    const samples: Sample[] = [...this.series.values()].map(({ labels, child }) => ({ name: this.name, labels, value: child.value }));
    return { name: this.name, help: this.help, type: 'counter', samples };
  }
}

export class HistogramSeries {
  /** Per bucket, not cumulative (made cumulative when rendered); the last one is +Inf. */
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

export class Histogram extends Metric<HistogramSeries> {
  constructor(name: string, help: string, labelNames: readonly string[], readonly bounds: readonly number[]) {
    super(name, help, labelNames);
    if (bounds.length === 0 || bounds.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= bounds[i - 1]!))) {
      throw new Error(`histogram ${name}: buckets must be finite and increasing`);
    }
  }

  protected create(): HistogramSeries {
    return new HistogramSeries(this.bounds);
  }

  collect(): MetricFamily {
    const samples: Sample[] = [];
    for (const { labels, child } of this.series.values()) {
      let cumulative = 0;
      child.counts.forEach((n, i) => {
        cumulative += n;
        const le = i < this.bounds.length ? String(this.bounds[i]) : '+Inf';
        samples.push({ name: `${this.name}_bucket`, labels: [...labels, ['le', le]], value: cumulative });
      });
      samples.push({ name: `${this.name}_sum`, labels, value: child.sum }, { name: `${this.name}_count`, labels, value: child.count });
    }
    return { name: this.name, help: this.help, type: 'histogram', samples };
  }
}

/** Gauges are not stored: they are computed when scraped (see log-metrics.ts). */
export class Registry {
  private readonly metrics: Metric<unknown>[] = [];

  counter(name: string, help: string, labelNames: readonly string[]): Counter {
    return this.add(new Counter(name, help, labelNames));
  }

  histogram(name: string, help: string, labelNames: readonly string[], bounds: readonly number[]): Histogram {
    return this.add(new Histogram(name, help, labelNames, bounds));
  }

  collect(): MetricFamily[] {
    return this.metrics.map((m) => m.collect());
  }

  private add<M extends Metric<unknown>>(metric: M): M {
    if (this.metrics.some((m) => m.name === metric.name)) throw new Error(`metric ${metric.name} is registered twice`);
    this.metrics.push(metric);
    return metric;
  }
}
