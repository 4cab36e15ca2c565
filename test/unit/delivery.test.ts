import { describe, expect, it } from 'vitest';
import { DeliveryTracker } from '../../src/metrics/delivery.js';

describe('DeliveryTracker', () => {
  it('counts new, duplicated and reordered receptions per device', () => {
    const t = new DeliveryTracker();
    expect(t.receive('a', 1)).toBe('new');
    expect(t.receive('a', 3)).toBe('new');
    expect(t.receive('a', 2)).toBe('reordered');
    expect(t.receive('a', 2)).toBe('duplicate');
    expect(t.receive('a', 3)).toBe('duplicate');
    expect(t.receive('b', 1)).toBe('new');
    expect([t.received, t.duplicated, t.reordered]).toEqual([4, 2, 1]);
  });

  it('counts as lost only acked sequences never received (gaps and the tail), not the unacked ones', () => {
    const t = new DeliveryTracker();
    for (const s of [1, 2, 4, 6]) t.receive('a', s);
    // a sent 1..8; 3 failed (never acked); 4 seen; 5 gap; 7, 8 tail; 8 still in flight.
    const lost = t.lost([
      { deviceId: 'a', lastSeq: 8, unacked: [3, 8] },
      { deviceId: 'never-seen', lastSeq: 2, unacked: [] },
    ]);
    expect(lost).toBe(/* a: 5, 7 */ 2 + /* never-seen: 1, 2 */ 2);
  });

  it('reports zero lost when everything acked was received', () => {
    const t = new DeliveryTracker();
    for (let s = 1; s <= 100; s++) t.receive('x', s);
    expect(t.lost([{ deviceId: 'x', lastSeq: 100, unacked: [] }])).toBe(0);
  });
});
