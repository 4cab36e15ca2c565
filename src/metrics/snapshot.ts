/**
 * What a worker sends the main thread once a second (and at each phase change and at the end): the counts and
 * histograms of that interval only. The worker resets after each snapshot, so its memory stays flat; the main thread
 * adds snapshots into per-phase totals.
 */
export interface MetricsSnapshot {
  /** Counter increments during the interval, keyed by CounterName. */
  readonly counters: Readonly<Record<string, number>>;
  /** HDR histograms recorded during the interval, keyed by TrendName, compressed base64 (hdr-histogram-js). */
  readonly histograms: Readonly<Record<string, string>>;
  /** Failures during the interval by "<scope>:<code>", e.g. "connect:ECONNREFUSED", "telemetry:CONNECTION_LOST". */
  readonly errors: Readonly<Record<string, number>>;
  /** Gauge values at the end of the interval, keyed by GaugeName (this shard only). */
  readonly gauges: Readonly<Record<string, number>>;
}
