/** One repetition of one workload on one system. */
export interface Measurement {
  /** The figure: events/s for throughput, ms for latency, MB for memory. */
  value: number;
  /** Events counted. */
  events?: number;
  /** Wall time of the measured part, ms. */
  ms?: number;
  /** Workload-specific extras (percentiles, samples). */
  extra?: Record<string, unknown>;
}

/** Milliseconds since `t0` (performance.now()). */
export function since(t0: number): number {
  return performance.now() - t0;
}
