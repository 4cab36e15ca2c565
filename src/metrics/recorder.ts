/**
 * Worker-side metrics: counters, one HDR histogram per trend, failures by code, and gauges. `snapshot()` hands the
 * main thread what happened since the previous snapshot and resets the interval data, so memory stays flat however
 * long the run: histograms are created once per trend (lazily) and reused via reset().
 *
 * count() and observe() run once per message: they do not allocate (a counter is a number slot in a plain object
 * whose keys are fixed up front; a histogram record writes into a typed array).
 */
import { METRICS, type CounterName, type GaugeName, type TrendName } from './names.js';
import { createHistogram, encodeHistogram, recordMicros, resetHistogram, type Histogram } from './hdr.js';
import type { MetricsSnapshot } from './snapshot.js';

const COUNTER_NAMES = (Object.keys(METRICS) as (keyof typeof METRICS)[]).filter(
  (n): n is CounterName => METRICS[n].type === 'counter',
);

export class MetricsRecorder {
  /** Interval increments; every CounterName is a key from the start, so the object's shape never changes. */
  private readonly counters: Record<CounterName, number>;
  private readonly histograms = new Map<TrendName, Histogram>();
  private readonly errors = new Map<string, number>();
  /** Last value per gauge; persists across snapshots. */
  private readonly gauges = new Map<GaugeName, number>();

  constructor() {
    const counters = {} as Record<CounterName, number>;
    for (const name of COUNTER_NAMES) counters[name] = 0;
    this.counters = counters;
  }

  /** Adds n (default 1) to a counter for this interval. */
  count(name: CounterName, n = 1): void {
    this.counters[name] += n;
  }

  /** Records one value of a trend, in microseconds (rounded, clamped to ≥ 1; non-finite values are dropped). */
  observe(name: TrendName, micros: number): void {
    let histogram = this.histograms.get(name);
    if (histogram === undefined) {
      histogram = createHistogram();
      this.histograms.set(name, histogram);
    }
    recordMicros(histogram, micros);
  }

  /** Counts one failure under the key "<scope>:<code>", e.g. error('connect', 'ECONNREFUSED'). */
  error(scope: string, code: string): void {
    const key = `${scope}:${code}`;
    this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
  }

  /** Sets a gauge to its current value; the value is reported in every snapshot until changed. */
  gauge(name: GaugeName, value: number): void {
    this.gauges.set(name, value);
  }

  /**
   * The interval's data, then resets counters, histograms and errors (gauges keep their last value). Counters and
   * errors that stayed 0 and histograms that recorded nothing are left out of the snapshot.
   */
  snapshot(): MetricsSnapshot {
    const counters: Record<string, number> = {};
    for (const name of COUNTER_NAMES) {
      const value = this.counters[name];
      if (value !== 0) counters[name] = value;
      this.counters[name] = 0;
    }
    const histograms: Record<string, string> = {};
    for (const [name, histogram] of this.histograms) {
      if (histogram.totalCount > 0) histograms[name] = encodeHistogram(histogram);
      resetHistogram(histogram);
    }
    const errors = Object.fromEntries(this.errors);
    this.errors.clear();
    const gauges = Object.fromEntries(this.gauges);
    return { counters, histograms, errors, gauges };
  }
}
