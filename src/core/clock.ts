/** Wall-clock or simulated time in epoch milliseconds (fractional). Injected into everything that reads time. */
export interface Clock {
  now(): number;
}

/** Real time with sub-millisecond resolution; consistent across worker threads (timeOrigin + monotonic offset). */
export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
};

/** A clock tests and virtual time move by hand. */
export class ManualClock implements Clock {
  private t: number;
  constructor(startMs = 0) {
    this.t = startMs;
  }
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
  set(ms: number): void {
    this.t = ms;
  }
}
