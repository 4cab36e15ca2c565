/**
 * The one import site of hdr-histogram-js. Every latency in fleetsim is an HDR histogram of integer microseconds with
 * 3 significant digits (values are exact to ±0.1 %), auto-resizing, lowest discernible value 1 µs, pure JS (no
 * WebAssembly, so it behaves the same in every worker thread). Counts are 64-bit floats, exact up to 2^53.
 *
 * Histograms cross threads and files as compressed base64 (the HdrHistogram V2 encoding) and are merged with `add`.
 */
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, JsHistogram } from 'hdr-histogram-js';
import type { Histogram as HdrHistogram } from 'hdr-histogram-js';

export type Histogram = HdrHistogram;

/**
 * Statistics of one trend, all in microseconds except count. An empty histogram gives count 0 and every other field
 * 0: callers decide "no data" by `count === 0` (the summary leaves empty trends out altogether).
 */
export interface TrendStats {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly stdDev: number;
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
  /** The 99.9th percentile. */
  readonly p999: number;
}

const BUILD_REQUEST = {
  bitBucketSize: 64,
  autoResize: true,
  lowestDiscernibleValue: 1,
  highestTrackableValue: 2,
  numberOfSignificantValueDigits: 3,
  useWebAssembly: false,
} as const;

/** An empty histogram of microseconds. */
export function createHistogram(): Histogram {
  return withFastIndex(build(BUILD_REQUEST));
}

/**
 * hdr-histogram-js finds a value's slot with Math.log2, Math.pow and floor on every record (the costliest part of
 * recording, which runs for every message). With this layout (unit magnitude 0: lowest value 1; 1,024 sub-buckets a
 * half, 3 significant digits) the slot of an integer v < 2^31 is b·1024 + (v >>> b), b = max(0, ⌊log2 v⌋ − 10),
 * ⌊log2 v⌋ = 31 − clz32(v): the same index from integer operations. Larger values take the library's own path.
 * test/unit/metrics-hdr.test.ts checks the two agree.
 */
function withFastIndex(histogram: Histogram): Histogram {
  const h = histogram as Histogram & { countsArrayIndex(value: number): number; subBucketHalfCountMagnitude: number; unitMagnitude: number };
  if (h.unitMagnitude !== 0 || h.subBucketHalfCountMagnitude !== 10) return histogram; // another layout: left alone
  const slow = h.countsArrayIndex.bind(h);
  h.countsArrayIndex = (value: number): number => {
    if (value >= 1 && value < 2_147_483_648) {
      const b = Math.max(0, 21 - Math.clz32(value));
      return (b << 10) + (value >>> b);
    }
    return slow(value);
  };
  return histogram;
}

/**
 * Records one value in microseconds: rounded to an integer and clamped to ≥ 1 (a sub-microsecond latency is recorded
 * as 1 µs). NaN and ±Infinity are not recorded (they are bugs upstream, not latencies). Allocation-free.
 */
export function recordMicros(histogram: Histogram, micros: number): void {
  if (!Number.isFinite(micros)) return;
  histogram.recordValue(micros < 1 ? 1 : Math.round(micros));
}

/** Compressed base64 (HdrHistogram V2 encoding), for snapshots and result files. */
export function encodeHistogram(histogram: Histogram): string {
  return encodeIntoCompressedBase64(histogram);
}

/** The inverse of encodeHistogram; the histogram it returns can take further records and `add`s. */
export function decodeHistogram(encoded: string): Histogram {
  const histogram = decodeFromCompressedBase64(encoded, BUILD_REQUEST.bitBucketSize, false);
  histogram.autoResize = true;
  return withFastIndex(histogram);
}

/** target += source (counts per value); source is unchanged. */
export function addHistogram(target: Histogram, source: Histogram): void {
  if (source.totalCount === 0) return;
  target.add(source);
}

/** A new histogram holding the sum of the given ones. */
export function mergeHistograms(histograms: Iterable<Histogram>): Histogram {
  const merged = createHistogram();
  for (const h of histograms) addHistogram(merged, h);
  return merged;
}

/** Empties the histogram in place, keeping its memory (the recorder reuses one per trend). */
export function resetHistogram(histogram: Histogram): void {
  histogram.reset();
}

/**
 * The value (µs) at or below which `percentile` % of the recorded values fall, 0 < percentile ≤ 100; null when the
 * histogram is empty. As HdrHistogram reports it: the highest value equivalent to the bucket holding that rank.
 */
export function valueAtPercentile(histogram: Histogram, percentile: number): number | null {
  if (histogram.totalCount === 0) return null;
  return histogram.getValueAtPercentile(percentile);
}

/**
 * count = number of values; min = lowest value equivalent to the smallest value recorded and max = highest value
 * equivalent to the largest (bucket bounds at 3 significant digits, so a merged histogram reports the same min and max
 * as one that recorded everything); mean and stdDev (population) over all values; pN = valueAtPercentile(N).
 * All zeros when empty.
 */
export function histogramStats(histogram: Histogram): TrendStats {
  const count = histogram.totalCount;
  if (count === 0) return { count: 0, min: 0, max: 0, mean: 0, stdDev: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0 };
  return {
    count,
    min: lowestEquivalent(histogram, histogram.minNonZeroValue),
    max: histogram.getValueAtPercentile(100),
    mean: histogram.mean,
    stdDev: histogram.stdDeviation,
    p50: histogram.getValueAtPercentile(50),
    p90: histogram.getValueAtPercentile(90),
    p95: histogram.getValueAtPercentile(95),
    p99: histogram.getValueAtPercentile(99),
    p999: histogram.getValueAtPercentile(99.9),
  };
}

function lowestEquivalent(histogram: Histogram, value: number): number {
  return histogram instanceof JsHistogram ? histogram.lowestEquivalentValue(value) : value;
}
