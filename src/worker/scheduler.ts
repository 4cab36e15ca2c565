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

export interface Job<E> {
  at: number;
  seq: number;
  event: E;
}

/**
 * One scheduler per worker: a heap of absolute deadlines and a single timer armed for the earliest one. Never a timer
 * per device. The handler gets each due event with its intended time and the actual time, so callers can measure
 * lag (actual − intended) honestly instead of absorbing it.
 */
export class Scheduler<E> {
  private readonly heap = new MinHeap<Job<E>>();
  private seq = 0;
  private timer: unknown;
  private armedFor = Infinity;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly handler: (event: E, intendedAt: number, now: number) => void,
    private readonly timers: Timers = realTimers,
  ) {}

  get size(): number {
    return this.heap.size;
  }

  /** Schedule an event at an absolute time (clock milliseconds). Times in the past run on the next turn. */
  at(at: number, event: E): void {
    if (this.stopped) return;
    this.heap.push({ at, seq: this.seq++, event });
    if (at < this.armedFor) this.arm();
  }

  /** Run every event due at `now` (events scheduled for now by handlers run too). Returns how many ran. */
  runDue(now: number = this.clock.now()): number {
    let ran = 0;
    for (let job = this.heap.peek(); job !== undefined && job.at <= now && !this.stopped; job = this.heap.peek()) {
      this.heap.pop();
      this.handler(job.event, job.at, now);
      ran++;
      // Keep the loop responsive: refresh the time every so often when a burst is due.
      if ((ran & 255) === 0) now = this.clock.now();
    }
    return ran;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    const next = this.heap.peek();
    if (next === undefined || this.stopped) return;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.armedFor = next.at;
    const delay = Math.max(0, next.at - this.clock.now());
    this.timer = this.timers.setTimeout(() => this.fire(), delay);
  }

  private fire(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    this.runDue();
    this.arm();
  }
}
