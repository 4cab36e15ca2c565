import { describe, expect, it } from 'vitest';
import { RingBuffer } from '../../src/devices/mcu/ring-buffer.js';

describe('RingBuffer (store-and-forward)', () => {
  it('keeps items in order up to its capacity', () => {
    const r = new RingBuffer<number>(3);
    expect([r.push(1), r.push(2)]).toEqual([undefined, undefined]);
    expect(r.size).toBe(2);
    expect(r.drain()).toEqual([1, 2]);
    expect(r.size).toBe(0);
  });

  it('when full, evicts and returns the oldest', () => {
    const r = new RingBuffer<number>(3);
    for (const n of [1, 2, 3]) r.push(n);
    expect(r.push(4)).toBe(1);
    expect(r.push(5)).toBe(2);
    expect(r.peekAll()).toEqual([3, 4, 5]);
    expect(r.drain()).toEqual([3, 4, 5]);
    r.push(6);
    expect(r.drain()).toEqual([6]);
  });

  it('capacity 0 keeps nothing: every push comes straight back', () => {
    const r = new RingBuffer<number>(0);
    expect(r.push(7)).toBe(7);
    expect(r.size).toBe(0);
  });
});
