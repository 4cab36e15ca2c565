import type { ManualClock } from '../../core/clock.js';

/** Opaque handle returned by `Timers.setTimeout`. */
export type TimerHandle = unknown;

/** Injected one-shot timers (the wiring passes Node's; tests pass ManualTimers). */
export interface Timers {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

interface Pending {
  id: number;
  due: number;
  fn: () => void;
}

/** Deterministic timers driven by a ManualClock: `advance(ms)` fires due timers in due-time order, moving the clock to each. */
export class ManualTimers implements Timers {
  private seq = 0;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly clock: ManualClock) {}

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.seq;
    this.pending.set(id, { id, due: this.clock.now() + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    if (typeof handle === 'number') this.pending.delete(handle);
  }

  /** Number of timers not yet fired or cleared. */
  get size(): number {
    return this.pending.size;
  }

  /** Advance the clock by `ms`, firing every timer due on the way (timers set while firing run too if due). */
  advance(ms: number): void {
    const end = this.clock.now() + ms;
    for (;;) {
      let next: Pending | undefined;
      for (const p of this.pending.values()) {
        if (p.due <= end && (next === undefined || p.due < next.due || (p.due === next.due && p.id < next.id))) next = p;
      }
      if (next === undefined) break;
      this.pending.delete(next.id);
      if (next.due > this.clock.now()) this.clock.set(next.due);
      next.fn();
    }
    this.clock.set(end);
  }
}
