import type { Rng } from '../../core/rng.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Hour of day in [0, 24), UTC, from model time in epoch ms. */
export function hourOfDay(nowMs: number): number {
  const ms = ((nowMs % DAY_MS) + DAY_MS) % DAY_MS;
  return ms / HOUR_MS;
}

/** Day of week, UTC: 0 = Sunday … 6 = Saturday. */
export function dayOfWeek(nowMs: number): number {
  return (((Math.floor(nowMs / DAY_MS) + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
}

export function isWeekend(nowMs: number): boolean {
  const d = dayOfWeek(nowMs);
  return d === 0 || d === 6;
}

export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** Exact first-order approach: x moves toward target with time constant tau over dt (any units, same for both). */
export function approach(x: number, target: number, dt: number, tau: number): number {
  if (tau <= 0) return target;
  return target + (x - target) * Math.exp(-dt / tau);
}

/** Daily sinusoid: mean + amplitude · cos(2π (hour − peakHour) / 24), peaking at peakHour (UTC). */
export function dailySinusoid(nowMs: number, mean: number, amplitude: number, peakHour: number): number {
  return mean + amplitude * Math.cos((2 * Math.PI * (hourOfDay(nowMs) - peakHour)) / 24);
}

const MINUTES_PER_DAY = DAY_MS / MINUTE_MS;
const cosByMinute = new Map<number, Float64Array>();
let lastPeakHour = NaN;
let lastCos: Float64Array = new Float64Array(0);

/**
 * The cosine factor of dailySinusoid at the midpoint of every minute of the day, for one peak hour: index m holds
 * Math.cos((2π (hourOfDay(m·1 min + 30 s) − peakHour)) / 24), so `mean + amplitude * table[m]` is
 * dailySinusoid(t, mean, amplitude, peakHour) bit for bit for any t at the midpoint of minute m of a day (hourOfDay
 * reduces t modulo a day exactly: whole milliseconds are exact in a double). Computed once per peak hour.
 */
export function dailyCosByMinute(peakHour: number): Float64Array {
  if (peakHour === lastPeakHour) return lastCos;
  let table = cosByMinute.get(peakHour);
  if (table === undefined) {
    table = new Float64Array(MINUTES_PER_DAY);
    for (let m = 0; m < MINUTES_PER_DAY; m++) table[m] = Math.cos((2 * Math.PI * (hourOfDay(m * MINUTE_MS + MINUTE_MS / 2) - peakHour)) / 24);
    cosByMinute.set(peakHour, table);
  }
  lastPeakHour = peakHour;
  lastCos = table;
  return table;
}

/** Minute of the day, 0–1439, of the whole minute number `minute` (epoch ms ÷ 1 min, floored). */
export function minuteOfDay(minute: number): number {
  return ((minute % MINUTES_PER_DAY) + MINUTES_PER_DAY) % MINUTES_PER_DAY;
}

/** Exponential waiting time (ms) for a Poisson process with `ratePerHour`; Infinity if the rate is 0. */
export function nextEventMs(rng: Rng, ratePerHour: number): number {
  if (!(ratePerHour > 0)) return Infinity;
  return (-Math.log(1 - rng.next()) / ratePerHour) * HOUR_MS;
}

/** Probability that at least one event of a Poisson process with `ratePerHour` happens in dtMs. */
export function eventProbability(ratePerHour: number, dtMs: number): number {
  if (!(ratePerHour > 0) || !(dtMs > 0)) return 0;
  return 1 - Math.exp(-(ratePerHour * dtMs) / HOUR_MS);
}

/** Linear interpolation in a table of [x, y] rows sorted by x; clamped at both ends. */
export function interpolate(table: ReadonlyArray<readonly [number, number]>, x: number): number {
  const first = table[0];
  const last = table[table.length - 1];
  if (first === undefined || last === undefined) return NaN;
  if (x <= first[0]) return first[1];
  if (x >= last[0]) return last[1];
  for (let i = 1; i < table.length; i++) {
    const b = table[i] as readonly [number, number];
    if (x <= b[0]) {
      const a = table[i - 1] as readonly [number, number];
      return a[1] + ((b[1] - a[1]) * (x - a[0])) / (b[0] - a[0]);
    }
  }
  return last[1];
}

/**
 * An Ornstein–Uhlenbeck step with its decay exp(−dt/τ) and noise scale √(1 − a²) remembered for the last (dt, τ):
 * virtual time steps by the same interval, so a call site mostly skips the exp and sqrt. Same values and draws as
 * ouStep in models/common.ts; keep one instance per call site.
 */
export class OuStepper {
  private dtMs = NaN;
  private tauMs = NaN;
  private a = 0;
  private root = 0;

  step(x: number, sd: number, tauMs: number, dtMs: number, rng: Rng): number {
    if (!(dtMs > 0) || !(sd > 0)) return x;
    if (dtMs !== this.dtMs || tauMs !== this.tauMs) {
      this.a = tauMs > 0 ? Math.exp(-dtMs / tauMs) : 0;
      this.root = Math.sqrt(1 - this.a * this.a);
      this.dtMs = dtMs;
      this.tauMs = tauMs;
    }
    return x * this.a + rng.normal(0, sd * this.root);
  }
}

/**
 * Math.exp with its last four arguments remembered: the same argument gives the same double, so a hit changes no
 * value. Virtual time runs one device for many steps of the same interval, so the exponents of a step's sub-steps
 * repeat (e.g. the two pieces of a minute that a reading splits, with the actuator off or on).
 */
export class ExpMemo {
  private x0 = NaN;
  private y0 = 0;
  private x1 = NaN;
  private y1 = 0;
  private x2 = NaN;
  private y2 = 0;
  private x3 = NaN;
  private y3 = 0;
  private next = 0;

  exp(x: number): number {
    if (x === this.x0) return this.y0; // ±0 match each other: exp(0) = exp(-0) = 1
    if (x === this.x1) return this.y1;
    if (x === this.x2) return this.y2;
    if (x === this.x3) return this.y3;
    const y = Math.exp(x);
    switch (this.next) {
      case 0:
        this.x0 = x;
        this.y0 = y;
        break;
      case 1:
        this.x1 = x;
        this.y1 = y;
        break;
      case 2:
        this.x2 = x;
        this.y2 = y;
        break;
      default:
        this.x3 = x;
        this.y3 = y;
    }
    this.next = (this.next + 1) & 3;
    return y;
  }
}
