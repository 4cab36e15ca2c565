import { describe, expect, it } from 'vitest';
import { arrivalOffsetMs, arrivalSpanMs } from '../../src/scenario/arrivals.js';
import { splitShards } from '../../src/scenario/shard.js';

describe('arrivals', () => {
  it('spaces a constant rate evenly', () => {
    expect(arrivalOffsetMs(0, 100, 50, 50)).toBe(0);
    expect(arrivalOffsetMs(10, 100, 50, 50)).toBeCloseTo(200);
    expect(arrivalSpanMs(101, 50, 50)).toBeCloseTo(2000);
  });

  it('ramps linearly: the span is 2n / (r0 + r1) and gaps shrink as the rate rises', () => {
    const n = 1000;
    expect(arrivalSpanMs(n, 100, 400)).toBeCloseTo(((2 * n) / 500) * 1000 * ((n - 1) / n), -1);
    const gaps: number[] = [];
    for (let k = 1; k < n; k++) gaps.push(arrivalOffsetMs(k, n, 100, 400) - arrivalOffsetMs(k - 1, n, 100, 400));
    expect(gaps[0]).toBeCloseTo(10, 0); // 1 / 100 per s
    expect(gaps.at(-1)).toBeCloseTo(2.5, 0); // 1 / 400 per s
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeLessThanOrEqual((gaps[i - 1] as number) + 1e-9);
  });

  it('ramps down too', () => {
    expect(arrivalOffsetMs(1, 1000, 400, 100)).toBeCloseTo(2.5, 1);
    expect(arrivalSpanMs(1000, 400, 100)).toBeCloseTo(arrivalSpanMs(1000, 100, 400), -2);
  });
});

describe('splitShards', () => {
  it('covers every index once, contiguously, with sizes differing by at most one', () => {
    for (const [n, w] of [
      [1000, 3],
      [7, 7],
      [5, 8],
      [1, 1],
    ] as const) {
      const shards = splitShards(n, w);
      expect(shards.length).toBe(Math.min(n, w));
      expect(shards[0]?.first).toBe(0);
      expect(shards.at(-1)?.end).toBe(n);
      for (let i = 1; i < shards.length; i++) expect(shards[i]?.first).toBe(shards[i - 1]?.end);
      const sizes = shards.map((s) => s.end - s.first);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });
});
