import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { createRng } from '../../src/core/rng.js';
import { Scheduler, type Timers } from '../../src/worker/scheduler.js';

/** Fake timers: remember the one armed callback so the test fires it by hand. */
function fakeTimers(): Timers & { armed: Array<{ fn: () => void; ms: number }> } {
  const armed: Array<{ fn: () => void; ms: number }> = [];
  return {
    armed,
    setTimeout(fn, ms) {
      const entry = {
        fn: () => {
          armed.splice(armed.indexOf(entry), 1); // a fired timer is no longer armed
          fn();
        },
        ms,
      };
      armed.push(entry);
      return entry;
    },
    clearTimeout(h) {
      const i = armed.indexOf(h as (typeof armed)[number]);
      if (i >= 0) armed.splice(i, 1);
    },
  };
}

describe('Scheduler', () => {
  it('runs events in deadline order, FIFO among equal deadlines, with intended and actual times', () => {
    const clock = new ManualClock(1000);
    const seen: string[] = [];
    const s = new Scheduler<string>(clock, (e, at, now) => seen.push(`${e}@${at}/${now}`), fakeTimers());
    s.at(1030, 'c');
    s.at(1010, 'a');
    s.at(1020, 'b1');
    s.at(1020, 'b2');
    clock.set(1025);
    expect(s.runDue()).toBe(3);
    expect(seen).toEqual(['a@1010/1025', 'b1@1020/1025', 'b2@1020/1025']);
    clock.set(1030);
    s.runDue();
    expect(seen.at(-1)).toBe('c@1030/1030');
    expect(s.size).toBe(0);
  });

  it('keeps exactly one timer armed, for the earliest deadline', () => {
    const clock = new ManualClock(0);
    const timers = fakeTimers();
    const s = new Scheduler<number>(clock, () => {}, timers);
    s.at(500, 1);
    s.at(100, 2);
    s.at(900, 3);
    expect(timers.armed).toHaveLength(1);
    expect(timers.armed[0]?.ms).toBe(100);
  });

  it('fires from the timer and re-arms for the next deadline; events scheduled while handling also run', () => {
    const clock = new ManualClock(0);
    const timers = fakeTimers();
    const seen: number[] = [];
    const s = new Scheduler<number>(
      clock,
      (e, at) => {
        seen.push(e);
        if (e === 1) s.at(at, 10); // due immediately: runs in the same turn
      },
      timers,
    );
    s.at(50, 1);
    s.at(80, 2);
    clock.set(50);
    timers.armed[0]?.fn();
    expect(seen).toEqual([1, 10]);
    expect(timers.armed).toHaveLength(1);
    expect(timers.armed[0]?.ms).toBe(30);
  });

  it('runs nothing after stop', () => {
    const clock = new ManualClock(0);
    const timers = fakeTimers();
    const seen: number[] = [];
    const s = new Scheduler<number>(clock, (e) => seen.push(e), timers);
    s.at(10, 1);
    s.stop();
    s.at(5, 2);
    clock.set(100);
    expect(s.runDue()).toBe(0);
    expect(seen).toEqual([]);
    expect(timers.armed).toHaveLength(0);
  });

  it('keeps exact order across its 1 ms buckets and its heap of far deadlines (against a sorted reference)', () => {
    const rng = createRng('scheduler-order');
    const clock = new ManualClock(1_700_000_000_000.25);
    const ran: Array<{ id: number; at: number; now: number }> = [];
    const expected: Array<{ id: number; at: number; seq: number }> = [];
    let id = 0;
    let filing = true;
    const s = new Scheduler<number>(
      clock,
      (e, at, now) => {
        ran.push({ id: e, at, now });
        if (!filing) return;
        // Handlers file more: some due now or in the past, some within the same millisecond, some far away.
        if (e % 7 === 0) add(now + rng.uniform(-3, 9000));
        if (e % 11 === 0) add(at);
      },
      fakeTimers(),
    );
    const add = (at: number): void => {
      expected.push({ id, at, seq: id });
      s.at(at, id++);
    };
    for (let i = 0; i < 2000; i++) add(clock.now() + Math.floor(rng.uniform(0, 20_000)) + (rng.uniform(0, 1) < 0.5 ? 0 : rng.uniform(0, 1)));
    for (let step = 0; step < 3000 && s.size > 0; step++) {
      clock.advance(rng.uniform(0, 15));
      s.runDue();
    }
    filing = false;
    clock.advance(100_000);
    s.runDue();
    expect(s.size).toBe(0);
    expect(ran).toHaveLength(expected.length);
    for (const r of ran) expect(r.at).toBeLessThanOrEqual(r.now); // never before its deadline
    // Each event ran at the first runDue whose time reached it, and in (deadline, FIFO) order within that run.
    const order = (x: { at: number; seq: number }, y: { at: number; seq: number }): number => x.at - y.at || x.seq - y.seq;
    const byRun = new Map<number, number[]>();
    for (const r of ran) byRun.set(r.now, [...(byRun.get(r.now) ?? []), r.id]);
    for (const ids of byRun.values()) {
      const sorted = [...ids].sort((a, b) => order(expected[a] as { at: number; seq: number }, expected[b] as { at: number; seq: number }));
      // Events filed during the run for a deadline already passed run in the same turn, after the one that filed them.
      const filedDuring = new Set(ids.filter((x, i) => ids.slice(0, i).some((y) => y < x && expected[x]!.at < expected[y]!.at)));
      expect(ids.filter((x) => !filedDuring.has(x))).toEqual(sorted.filter((x) => !filedDuring.has(x)));
    }
  });

  it('runs a deadline filed in the past before later ones after a jump to a far deadline', () => {
    const clock = new ManualClock(0);
    const seen: string[] = [];
    const s = new Scheduler<string>(clock, (e, at, now) => seen.push(`${e}@${at}/${now}`), fakeTimers());
    s.at(60_000, 'far');
    clock.set(10);
    s.runDue(); // nothing due: the ring may jump to the far deadline's bucket
    s.at(20.5, 'near');
    clock.set(20.4);
    expect(s.runDue()).toBe(0); // not before its deadline
    clock.set(21);
    s.runDue();
    clock.set(60_000);
    s.runDue();
    expect(seen).toEqual(['near@20.5/21', 'far@60000/60000']);
  });
});
