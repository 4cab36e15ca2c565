import { describe, expect, it } from 'vitest';
import { PendingPublishes } from '../../src/worker/pending-publishes.js';

describe('pending publishes (the ref a publish carries to its ack)', () => {
  it('keeps each publish in its own slot until released, then reuses the slot', () => {
    const p = new PendingPublishes<{ id: string }>();
    const a = { id: 'a' };
    const b = { id: 'b' };
    const s1 = p.add(a, 1, 100, 105);
    const s2 = p.add(b, 7, 200, 201);
    expect(s1).not.toBe(s2);
    expect([p.device(s1), p.seq(s1), p.intendedAt(s1), p.sentAt(s1)]).toEqual([a, 1, 100, 105]);
    expect([p.device(s2), p.seq(s2), p.intendedAt(s2), p.sentAt(s2)]).toEqual([b, 7, 200, 201]);
    p.release(s1);
    expect(p.device(s1)).toBeUndefined(); // a second settle of the same publish finds nothing
    p.release(s1); // and releasing twice does not hand the slot out twice
    const s3 = p.add(b, 8, 300, 300);
    const s4 = p.add(a, 2, 400, 400);
    expect(s3).toBe(s1);
    expect(s4).not.toBe(s1);
    expect(p.seq(s3)).toBe(8);
  });
});
