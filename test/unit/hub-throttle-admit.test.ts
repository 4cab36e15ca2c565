import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { HubThrottle } from '../../src/hub/iothub/hub-throttle.js';

const T0 = Date.UTC(2026, 0, 1, 12); // noon UTC

describe('HubThrottle.admit: the one decision every hub gateway asks', () => {
  it('off without a tier: always ok, no counters', () => {
    const t = new HubThrottle({ clock: new ManualClock(T0) });
    for (let i = 0; i < 10_000; i++) expect(t.admit('d2c', 'd1', 100)).toEqual({ outcome: 'ok' });
    expect(t.admitConnection()).toEqual({ outcome: 'ok' });
    expect(t.enabled).toBe(false);
    expect(t.counters()).toBeUndefined();
  });

  it('S1 D2C: 100 at once, then delays growing by 10 ms, then 429001 past the shaping queue', () => {
    const clock = new ManualClock(T0);
    const t = new HubThrottle({ clock, tier: 'S1', queueSeconds: 2 });
    for (let i = 0; i < 100; i++) expect(t.admit('d2c', 'd1', 200)).toEqual({ outcome: 'ok' });
    expect(t.admit('d2c', 'd1', 200)).toEqual({ outcome: 'delay', ms: 10 });
    for (let i = 0; i < 198; i++) t.admit('d2c', 'd1', 200);
    expect(t.admit('d2c', 'd1', 200)).toEqual({ outcome: 'delay', ms: 2000 });
    expect(t.admit('d2c', 'd1', 200)).toEqual({ outcome: 'throttled', errorCode: 429001, retryAfterMs: 10 });
    t.connectionDropped('throttle');
    const c = t.counters();
    expect(c?.classes.d2c).toEqual({ accepted: 100, shaped: 200, throttled: 1, maxDelayMs: 2000 });
    expect(c?.droppedConnections).toEqual({ throttle: 1, quota: 0 });
    expect(c?.quota).toMatchObject({ used: 300, limit: 400_000, meterBytes: 4096, exceeded: 0 }); // throttled: not charged
  });

  it('methods are metered in 4 KB blocks: a 10 KB call costs 3 of the 40/s of one S1 unit', () => {
    const t = new HubThrottle({ clock: new ManualClock(T0), tier: 'S1', queueSeconds: 0 });
    for (let i = 0; i < 13; i++) expect(t.admit('methods', 'd1', 10 * 1024).outcome).toBe('ok');
    expect(t.admit('methods', 'd1', 10 * 1024).outcome).toBe('throttled'); // 13 × 3 = 39; 42 > 40
    expect(t.admit('methods', 'd1', 10).outcome).toBe('ok'); // the 40th block
    expect(t.counters()?.quota.used).toBe(14 * 3 - 3 + 1); // billable: 13 calls × 3 blocks + 1
  });

  it('F1 daily quota: exhausted once (callback), then 403002 for messages and connects until the next UTC day', () => {
    const clock = new ManualClock(T0);
    let exhausted = 0;
    const t = new HubThrottle({ clock, tier: 'F1', onQuotaExhausted: () => exhausted++ });
    for (let i = 0; i < 80; i++) {
      clock.advance(1000); // one 50 KB message (100 blocks of 0.5 KB) a second: far under the rate
      expect(t.admit('d2c', 'd1', 50 * 1024).outcome).toBe('ok');
    }
    expect(exhausted).toBe(1);
    expect(t.admit('d2c', 'd1', 10)).toMatchObject({ outcome: 'throttled', errorCode: 403002 });
    expect(t.admit('twinReads', 'd1', 10)).toMatchObject({ outcome: 'throttled', errorCode: 403002 });
    expect(t.admit('registry', undefined, 10).outcome).toBe('ok'); // not a billable message
    expect(t.admitConnection()).toMatchObject({ outcome: 'throttled', errorCode: 403002 });
    expect(t.counters()?.quota).toEqual({ used: 8000, limit: 8000, meterBytes: 512, exceeded: 3, connectsRefused: 1 });
    clock.set(Date.UTC(2026, 0, 2)); // the next UTC day
    expect(t.admit('d2c', 'd1', 10).outcome).toBe('ok');
    expect(exhausted).toBe(1);
  });
});

describe('HubThrottle.shapedDiscarded', () => {
  it('gives the quota blocks of a shaped message back when its connection closed before its turn', () => {
    const t = new HubThrottle({ clock: new ManualClock(T0), tier: 'F1' });
    for (let i = 0; i < 101; i++) t.admit('d2c', 'd1', 1000); // 2 blocks each on F1; the 101st is shaped
    expect(t.counters()?.quota.used).toBe(202);
    t.shapedDiscarded(1000);
    expect(t.counters()).toMatchObject({ shapedDiscarded: 1, quota: { used: 200 } });
  });
});
