import { describe, expect, it } from 'vitest';
import { build } from 'hdr-histogram-js';
import {
  addHistogram,
  createHistogram,
  decodeHistogram,
  encodeHistogram,
  histogramStats,
  mergeHistograms,
  recordMicros,
  valueAtPercentile,
} from '../../src/metrics/hdr.js';

describe('hdr', () => {
  it('finds every value the slot the library itself finds (integer fast path, 1 µs to hours and past 2^31)', () => {
    const ours = createHistogram() as unknown as { countsArrayIndex(v: number): number };
    const library = build({ bitBucketSize: 64, autoResize: true, lowestDiscernibleValue: 1, highestTrackableValue: 2, numberOfSignificantValueDigits: 3, useWebAssembly: false }) as unknown as {
      countsArrayIndex(v: number): number;
    };
    const values: number[] = [];
    for (let v = 1; v < 70_000; v++) values.push(v);
    for (let p = 11; p < 40; p++) for (const d of [-2, -1, 0, 1, 2]) values.push(2 ** p + d);
    for (let v = 70_000; v < 5e9; v = Math.floor(v * 1.0007) + 1) values.push(v);
    for (const v of values) if (ours.countsArrayIndex(v) !== library.countsArrayIndex(v)) expect.fail(`slot of ${v}: ${ours.countsArrayIndex(v)} ≠ ${library.countsArrayIndex(v)}`);
  });

  it('records integer microseconds, clamped to >= 1, dropping non-finite values', () => {
    const h = createHistogram();
    recordMicros(h, 0.2);
    recordMicros(h, -5);
    recordMicros(h, 10.6);
    recordMicros(h, Number.NaN);
    recordMicros(h, Number.POSITIVE_INFINITY);
    const s = histogramStats(h);
    expect(s.count).toBe(3);
    expect(s.min).toBe(1);
    expect(s.max).toBe(11);
  });

  it('gives zeros for an empty histogram and null percentiles', () => {
    const h = createHistogram();
    expect(histogramStats(h)).toEqual({ count: 0, min: 0, max: 0, mean: 0, stdDev: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0 });
    expect(valueAtPercentile(h, 99)).toBeNull();
  });

  it('encode → decode → add equals recording everything into one histogram', () => {
    const all = createHistogram();
    const parts = [createHistogram(), createHistogram(), createHistogram()];
    for (let i = 1; i <= 30_000; i++) {
      const v = (i * 7919) % 250_000 + 1; // spread over 1 µs … 250 ms
      recordMicros(all, v);
      recordMicros(parts[i % 3]!, v);
    }
    const merged = createHistogram();
    for (const p of parts) addHistogram(merged, decodeHistogram(encodeHistogram(p)));
    expect(merged.totalCount).toBe(30_000);
    expect(histogramStats(merged)).toEqual(histogramStats(all));
    for (const p of [1, 25, 50, 75, 90, 99, 99.9, 99.99, 100]) {
      expect(valueAtPercentile(merged, p)).toBe(valueAtPercentile(all, p));
    }
    // 3 significant digits: p50 of a uniform 1…250000 spread is ≈ 125000 within 0.1 %.
    expect(Math.abs(histogramStats(all).p50 - 125_000)).toBeLessThan(250);
    expect(histogramStats(mergeHistograms(parts)).count).toBe(30_000);
  });

  it('a decoded histogram keeps auto-resizing', () => {
    const h = createHistogram();
    recordMicros(h, 5);
    const d = decodeHistogram(encodeHistogram(h));
    recordMicros(d, 3_600_000_000);
    expect(histogramStats(d).max).toBeGreaterThanOrEqual(3_599_000_000);
  });
});
