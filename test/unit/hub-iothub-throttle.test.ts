import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { Throttle, methodCost, tierLimits } from '../../src/hub/iothub/throttle.js';

const T0 = Date.UTC(2025, 0, 1, 12); // noon UTC

describe('tier limits (§5)', () => {
  it('rates per tier and unit count', () => {
    const s1 = tierLimits('S1', 1);
    expect(s1.ratePerSecond).toMatchObject({ connections: 100, d2c: 100, twinReads: 100, twinUpdates: 50, methods: 40 });
    expect(s1.ratePerSecond.c2d * 60).toBeCloseTo(100);
    expect(s1.ratePerSecond.queries * 60).toBeCloseTo(20);
    expect(s1.dailyMessages).toBe(400_000);
    expect(s1.meterBytes).toBe(4096);
    expect(tierLimits('S1', 10).ratePerSecond.connections).toBe(120);
    const s2 = tierLimits('S2', 3);
    expect(s2.ratePerSecond).toMatchObject({ connections: 360, d2c: 360, twinReads: 100, twinUpdates: 50, methods: 360 });
    expect(tierLimits('S2', 20).ratePerSecond).toMatchObject({ twinReads: 200, twinUpdates: 100 });
    expect(s2.dailyMessages).toBe(18_000_000);
    const s3 = tierLimits('S3', 2);
    expect(s3.ratePerSecond).toMatchObject({ connections: 12_000, d2c: 12_000, twinReads: 1000, twinUpdates: 500 });
    expect(s3.dailyMessages).toBe(600_000_000);
    const f1 = tierLimits('F1');
    expect(f1).toMatchObject({ dailyMessages: 8000, meterBytes: 512 });
    expect(() => tierLimits('F1', 2)).toThrow(RangeError);
    expect(() => tierLimits('S3', 11)).toThrow('S3 takes 1 to 10 units, got 11');
    expect(() => tierLimits('S1', 0)).toThrow(RangeError);
    expect([methodCost(0), methodCost(4096), methodCost(4097)]).toEqual([1, 1, 2]);
  });
});

describe('Throttle', () => {
  it('burst accepted, then shaped at the sustained rate, then rejected with 429001 past the queue bound', () => {
    const clock = new ManualClock(T0);
    const t = new Throttle({ clock, tier: 'S1', classes: { twinUpdates: { ratePerSecond: 10, queueSeconds: 1 } } });
    for (let i = 0; i < 10; i++) expect(t.take('twinUpdates')).toEqual({ outcome: 'accept', delayMs: 0 });
    expect(t.take('twinUpdates')).toEqual({ outcome: 'shape', delayMs: 100 });
    for (let i = 0; i < 8; i++) t.take('twinUpdates');
    expect(t.take('twinUpdates')).toEqual({ outcome: 'shape', delayMs: 1000 }); // exactly at the bound: still queued
    expect(t.take('twinUpdates')).toEqual({ outcome: 'reject', errorCode: 429001, retryAfterMs: 100 });
    clock.advance(100);
    expect(t.take('twinUpdates')).toEqual({ outcome: 'shape', delayMs: 1000 });
    expect(t.stats.twinUpdates).toEqual({ accepted: 10, shaped: 11, rejected: 1, maxDelayMs: 1000 });
    clock.advance(10_000); // drained and refilled to the burst
    expect(t.take('twinUpdates').outcome).toBe('accept');
  });

  it('§5.3 example: 200 D2C/s on one S1 unit is fine, then slower, then rejected after about a minute', () => {
    const clock = new ManualClock(T0);
    const t = new Throttle({ clock, tier: 'S1' });
    let firstShapeMs: number | undefined;
    let firstRejectMs: number | undefined;
    for (let i = 0; i < 200 * 120 && firstRejectMs === undefined; i++) {
      const a = t.take('d2c');
      const elapsed = clock.now() - T0;
      if (a.outcome === 'shape' && firstShapeMs === undefined) firstShapeMs = elapsed;
      if (a.outcome === 'reject') firstRejectMs = elapsed;
      clock.advance(5);
    }
    expect(firstShapeMs).toBeLessThan(1100);
    expect(firstRejectMs).toBeGreaterThanOrEqual(60_000);
    expect(firstRejectMs).toBeLessThan(62_000);
    expect(t.stats.d2c.maxDelayMs).toBeLessThanOrEqual(60_000);
    expect(t.stats.d2c.maxDelayMs).toBeGreaterThan(59_000);
  });

  it('classes are independent; per-minute classes burst a minute of rate', () => {
    const clock = new ManualClock(T0);
    const t = new Throttle({ clock, tier: 'S1' });
    for (let i = 0; i < 100; i++) expect(t.take('c2d').outcome).toBe('accept');
    expect(t.take('c2d')).toEqual({ outcome: 'shape', delayMs: 600 });
    expect(t.take('connections').outcome).toBe('accept');
    expect(t.take('methods', methodCost(8192)).outcome).toBe('accept');
  });

  it('daily quota in meter blocks (F1: 8000 × 0.5 KB): refuses what does not fit, then refuses connects until 00:00 UTC', () => {
    const clock = new ManualClock(T0);
    const t = new Throttle({ clock, tier: 'F1' });
    expect(t.meterBlocks(0)).toBe(1);
    expect(t.meterBlocks(512)).toBe(1);
    expect(t.meterBlocks(513)).toBe(2);
    for (let i = 0; i < 7999; i++) expect(t.chargeDaily(100).ok).toBe(true);
    expect(t.chargeDaily(1024)).toEqual({ ok: false, errorCode: 403002, blocks: 2 });
    expect(t.quotaExhausted()).toBe(false);
    expect(t.admitConnection().outcome).toBe('accept');
    expect(t.chargeDaily(512)).toEqual({ ok: true, blocks: 1 });
    expect(t.quotaExhausted()).toBe(true);
    expect(t.admitConnection()).toEqual({ outcome: 'reject', errorCode: 403002, retryAfterMs: 12 * 3_600_000 });
    expect(t.daily()).toEqual({ used: 8000, quota: 8000, resetsInMs: 12 * 3_600_000 });
    clock.advance(12 * 3_600_000 - 1);
    expect(t.chargeDaily(1).ok).toBe(false);
    clock.advance(1);
    expect(t.quotaExhausted()).toBe(false);
    expect(t.chargeDaily(1)).toEqual({ ok: true, blocks: 1 });
    expect(t.quotaStats).toEqual({ chargedBlocks: 8001, rejected: 2, connectsRefused: 1 });
  });

  it('S1 meters 4 KB blocks: 6 KB is two messages', () => {
    const t = new Throttle({ clock: new ManualClock(T0), tier: 'S1', units: 2 });
    expect(t.chargeDaily(6 * 1024)).toEqual({ ok: true, blocks: 2 });
    expect(t.daily().quota).toBe(800_000);
  });
});
