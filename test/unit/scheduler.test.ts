import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
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
});
