import { afterEach, describe, expect, it, vi } from 'vitest';
import { Inflight } from '../../src/transports/lean/inflight.js';
import { Outbox, TimerWheel, type Timed, type Writer } from '../../src/transports/lean/wheel.js';

describe('lean client in-flight ring', () => {
  it('acks in any order settle the right callbacks with their refs; unknown and duplicate ids are ignored', () => {
    const f = new Inflight();
    const seen: string[] = [];
    const done = (err: Error | undefined, ref: number): number => seen.push(`${ref}${err === undefined ? '' : ' lost'}`);
    for (let id = 1; id <= 40; id++) f.add(id, done, 1000 + id); // grows 4 → 64: refs move with their ids
    expect(f.size).toBe(40);
    expect([7, 1, 40, 7, 99].map((id) => f.settle(id, undefined))).toEqual([true, true, true, false, false]);
    expect(seen).toEqual(['1007', '1001', '1040']);
    expect(f.size).toBe(37);
    expect(f.has(2) && !f.has(7)).toBe(true);
    seen.length = 0;
    expect(f.settleAll(new Error('lost'))).toBe(37);
    expect(seen).toHaveLength(37);
    expect(seen[0]).toBe('1002 lost');
    expect(f.size).toBe(0);
    expect(f.settle(2, undefined)).toBe(false);
  });

  it('ids that wrap at 65535 keep their own slots', () => {
    const f = new Inflight();
    const got: number[] = [];
    for (const id of [65534, 65535, 1, 2]) f.add(id, (_err, ref) => got.push(ref), id);
    for (const id of [1, 65535, 2, 65534]) f.settle(id, undefined);
    expect(got).toEqual([1, 65535, 2, 65534]);
  });
});

describe('lean client timer wheel and outbox', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires each entry once at its deadline (100 ms slots); an earlier filing wins; cancelled entries never fire', () => {
    vi.useFakeTimers();
    vi.setSystemTime(0); // slots are 100 ms of the clock: start on a slot boundary
    const wheel = new TimerWheel(() => Date.now());
    const fired: string[] = [];
    const entry = (name: string): Timed => ({ wheelTick: 0, onTimer: () => fired.push(`${name}@${Date.now() - start}`) });
    const start = Date.now();
    const a = entry('a');
    const b = entry('b');
    const c = entry('c');
    wheel.schedule(a, start + 1000);
    wheel.schedule(a, start + 300); // earlier: this one counts
    wheel.schedule(b, start + 250);
    wheel.schedule(c, start + 500);
    wheel.cancel(c);
    vi.advanceTimersByTime(2000);
    expect(fired).toEqual(['a@300', 'b@300']); // same slot: in filing order
  });

  it('a deadline past the wheel horizon is re-filed until it is due', () => {
    vi.useFakeTimers();
    const wheel = new TimerWheel(() => Date.now());
    const start = Date.now();
    let at = -1;
    const e: Timed = {
      wheelTick: 0,
      onTimer: (now) => {
        if (now < start + 250_000) wheel.schedule(e, start + 250_000);
        else at = now - start;
      },
    };
    wheel.schedule(e, start + 250_000);
    vi.advanceTimersByTime(260_000);
    expect(at).toBeGreaterThanOrEqual(250_000);
    expect(at).toBeLessThan(250_200);
  });

  it('the outbox flushes each marked writer once per turn, then calls the written callbacks', async () => {
    const outbox = new Outbox();
    const log: string[] = [];
    const w = (name: string, writable: boolean): Writer => ({ writable, flush: () => log.push(`flush ${name}`) });
    const a = w('a', true);
    const b = w('b', false);
    outbox.mark(a);
    outbox.afterWrite(a, (err, ref) => log.push(`a ${ref} ${err === undefined ? 'ok' : 'err'}`), 7);
    outbox.mark(b);
    outbox.afterWrite(b, (err, ref) => log.push(`b ${ref} ${err === undefined ? 'ok' : (err as Error & { code: string }).code}`), 8);
    expect(log).toEqual([]); // nothing before the turn ends
    await Promise.resolve();
    expect(log).toEqual(['flush a', 'flush b', 'a 7 ok', 'b 8 CONNECTION_LOST']);
  });
});
