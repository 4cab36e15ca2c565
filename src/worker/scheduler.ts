import type { Clock } from '../core/clock.js';
import { MinHeap } from './heap.js';

/** Timer functions, injectable so tests drive the scheduler with a fake clock. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

interface Later<E> {
  at: number;
  seq: number;
  event: E;
}

/** The near future kept in 1 ms buckets: this many of them (4.1 s); later deadlines wait in a heap. */
const SLOTS = 4096;
const MASK = SLOTS - 1;

/**
 * One scheduler per worker, a single timer armed for the earliest deadline: never a timer per device. The handler
 * gets each due event with its intended time and the actual time, so callers measure lag (actual − intended) honestly
 * instead of absorbing it.
 *
 * A calendar queue: deadlines within SLOTS ms of the current bucket go into the bucket of their millisecond (two
 * parallel arrays, reused: no allocation per event), kept sorted by deadline (insertion from the back: events mostly
 * arrive in order, so this is O(1) in practice); later ones wait in a min-heap and move into their bucket as the ring
 * reaches them, before anything else can be filed there. Order is exact: by deadline, FIFO among equal deadlines.
 */
export class Scheduler<E> {
  private readonly ats: number[][] = new Array<number[]>(SLOTS);
  private readonly events: E[][] = new Array<E[]>(SLOTS);
  /** The millisecond of the current bucket; buckets cover [base, base + SLOTS). NaN until the first event. */
  private base = Number.NaN;
  /** Events in buckets, and the first unrun one of the current bucket. */
  private inRing = 0;
  private head = 0;
  private readonly later = new MinHeap<Later<E>>();
  private seq = 0;
  private timer: unknown;
  private armedFor = Infinity;
  private stopped = false;
  /** Inside runDue: events filed by handlers do not re-arm the timer one by one; runDue arms it once at the end. */
  private running = false;
  private readonly fire = (): void => {
    this.timer = undefined;
    this.armedFor = Infinity;
    this.runDue();
  };

  constructor(
    private readonly clock: Clock,
    private readonly handler: (event: E, intendedAt: number, now: number) => void,
    private readonly timers: Timers = realTimers,
  ) {}

  get size(): number {
    return this.inRing + this.later.size;
  }

  /** Schedule an event at an absolute time (clock milliseconds). Times in the past run on the next turn. */
  at(at: number, event: E): void {
    if (this.stopped) return;
    if (Number.isNaN(this.base)) this.base = Math.floor(Math.min(at, this.clock.now()));
    const ms = Math.floor(at);
    if (ms - this.base >= SLOTS) this.later.push({ at, seq: this.seq++, event });
    else this.file(ms < this.base ? this.base : ms, at, event);
    if (at < this.armedFor && !this.running) this.arm();
  }

  /** Run every event due at `now` (events scheduled for now by handlers run too). Returns how many ran. */
  runDue(now: number = this.clock.now()): number {
    let ran = 0;
    this.running = true;
    try {
      ran = this.drain(now);
    } finally {
      this.running = false;
    }
    this.arm();
    return ran;
  }

  private drain(now: number): number {
    let ran = 0;
    while (!this.stopped && this.size > 0) {
      const slot = this.base & MASK;
      const ats = this.ats[slot];
      const evs = this.events[slot];
      if (ats !== undefined && evs !== undefined && this.head < ats.length) {
        const at = ats[this.head] as number;
        if (at > now) break;
        const event = evs[this.head] as E;
        evs[this.head] = undefined as E; // no reference kept to a run event
        this.head++;
        this.inRing--;
        this.handler(event, at, now);
        ran++;
        // Keep the loop responsive: refresh the time every so often when a burst is due.
        if ((ran & 255) === 0) now = this.clock.now();
        continue;
      }
      // The current bucket is done: on to the next millisecond, if it has begun.
      if (this.base + 1 > now) break;
      if (ats !== undefined && evs !== undefined) {
        ats.length = 0;
        evs.length = 0;
      }
      this.head = 0;
      this.advance();
    }
    return ran;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Into the bucket of millisecond `ms`, after every event with a deadline ≤ `at` already there. */
  private file(ms: number, at: number, event: E): void {
    const slot = ms & MASK;
    const ats = (this.ats[slot] ??= []);
    const evs = (this.events[slot] ??= []);
    let i = ats.length;
    const floor = ms === this.base ? this.head : 0; // run events of the current bucket stay where they are
    while (i > floor && (ats[i - 1] as number) > at) i--;
    if (i === ats.length) {
      ats.push(at);
      evs.push(event);
    } else {
      ats.splice(i, 0, at);
      evs.splice(i, 0, event);
    }
    this.inRing++;
  }

  /** Move to the next millisecond; the heap's events that come within reach are filed first. */
  private advance(): void {
    this.base++;
    if (this.inRing === 0 && this.later.size > 0) {
      // Nothing near: jump to the next deadline's bucket instead of walking empty ones (a deadline before it filed
      // later still runs in time: the current bucket takes every past deadline, sorted, and runs what is due).
      this.base = Math.max(this.base, Math.floor((this.later.peek() as Later<E>).at));
    }
    const horizon = this.base + SLOTS;
    for (let next = this.later.peek(); next !== undefined && next.at < horizon; next = this.later.peek()) {
      this.later.pop();
      this.file(Math.floor(next.at), next.at, next.event);
    }
  }

  /** The earliest deadline: the first unrun event in the ring (walking empty buckets), else the heap's. */
  private earliest(): number {
    if (this.inRing > 0) {
      for (let ms = this.base; ms < this.base + SLOTS; ms++) {
        const ats = this.ats[ms & MASK];
        const from = ms === this.base ? this.head : 0;
        if (ats !== undefined && ats.length > from) return ats[from] as number;
      }
    }
    return this.later.peek()?.at ?? Infinity;
  }

  private arm(): void {
    if (this.stopped) return;
    const next = this.earliest();
    if (next === Infinity || (this.timer !== undefined && next === this.armedFor)) return;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.armedFor = next;
    this.timer = this.timers.setTimeout(this.fire, Math.max(0, next - this.clock.now()));
  }
}
