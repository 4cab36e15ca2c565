/** Axis ticks for the SVG charts: UTC time ticks on x, "nice" 1/2/5 × 10^k value ticks on y. Pure. */
import type { TimeTicks, ValueTicks } from './types.js';

const SECOND = 1000;
export const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
/** 1970-01-05, a Monday: week-multiple ticks fall on Mondays. */
const MONDAY = 4 * DAY;
/** Each step at most twice the one before, so the first with ≤ 8 ticks has ≥ 4 (9+ ticks at half the step). */
const TIME_STEPS = [
  SECOND, 2 * SECOND, 3 * SECOND, 5 * SECOND, 10 * SECOND, 15 * SECOND, 30 * SECOND,
  MINUTE, 2 * MINUTE, 3 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
  HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR,
  DAY, 2 * DAY, 4 * DAY, WEEK, 2 * WEEK, 4 * WEEK,
]; // prettier-ignore
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** A boolean as 0/1, a finite number as itself, anything else (string, null, NaN) as null: a value for a ChartPoint. */
export function chartValue(value: number | string | boolean | null | undefined): number | null {
  if (typeof value === 'boolean') return value ? 1 : 0;
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * Time ticks for [startMs, endMs]: the smallest step of 1, 2, 3, 5, 10, 15, 30 s, 1, 2, 3, 5, 10, 15, 30 min, 1, 2, 3,
 * 6, 12 h, 1, 2, 4, 7, 14, 28 d (then doubling) that gives at most maxTicks ticks, on multiples of the step in UTC
 * (weeks on Mondays). For maxTicks 8 that is 4–8 ticks on any span of at least 4 s.
 */
export function timeTicks(startMs: number, endMs: number, maxTicks = 8): TimeTicks {
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs)) throw new RangeError('timeTicks: non-finite time');
  if (endMs < startMs) [startMs, endMs] = [endMs, startMs];
  const limit = Math.max(1, Math.floor(maxTicks));
  let step = TIME_STEPS[0] ?? SECOND;
  for (let i = 0; ; i++) {
    step = TIME_STEPS[i] ?? 4 * WEEK * 2 ** (i - TIME_STEPS.length + 1);
    const origin = step % WEEK === 0 ? MONDAY : 0;
    const count = Math.floor((endMs - origin) / step) - Math.ceil((startMs - origin) / step) + 1;
    if (count <= limit) break;
  }
  const origin = step % WEEK === 0 ? MONDAY : 0;
  const ticks: number[] = [];
  for (let t = Math.ceil((startMs - origin) / step) * step + origin; t <= endMs; t += step) ticks.push(t);
  return { stepMs: step, ticks, labels: ticks.map((t) => timeLabel(t, step)) };
}

function timeLabel(t: number, stepMs: number): string {
  const d = new Date(t);
  if (stepMs >= DAY || t % DAY === 0) {
    return `${MONTHS[d.getUTCMonth()] ?? ''} ${String(d.getUTCDate()).padStart(2, '0')}`;
  }
  const hhmm = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
  return stepMs < MINUTE ? `${hhmm}:${two(d.getUTCSeconds())}` : hhmm;
}

function two(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * "Nice" value ticks covering [min, max]: the smallest step of 1, 2 or 5 × 10^k that needs at most maxTicks ticks,
 * from floor(min / step) to ceil(max / step). A zero-width range is widened (by 10% of the value, or ±1 at 0).
 * Labels use the step's decimals, k/M/G from 10,000 up (20000 → "20k"), exponents for steps under 1e-6 and values
 * from 1e13.
 */
export function niceTicks(min: number, max: number, maxTicks = 8): ValueTicks {
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new RangeError('niceTicks: non-finite bound');
  if (max < min) [min, max] = [max, min];
  if (max === min) {
    const pad = Math.abs(min) * 0.1 || 1;
    min -= pad;
    max += pad;
  }
  const intervals = Math.max(1, Math.floor(maxTicks) - 1);
  const EPS = 1e-9;
  let k = Math.floor(Math.log10((max - min) / intervals)) - 1;
  let step = 1;
  let lo = 0;
  let hi = 0;
  search: for (; ; k++) {
    for (const m of [1, 2, 5]) {
      step = roundTo(m * 10 ** k, -k);
      lo = Math.floor(min / step + EPS);
      hi = Math.ceil(max / step - EPS);
      if (hi - lo <= intervals) break search;
    }
  }
  const decimals = Math.max(0, -k);
  const ticks: number[] = [];
  for (let i = lo; i <= hi; i++) ticks.push(roundTo(i * step, decimals));
  const first = ticks[0] ?? min;
  const last = ticks[ticks.length - 1] ?? max;
  const biggest = Math.max(Math.abs(first), Math.abs(last));
  const [scale, suffix] = biggest >= 1e10 ? [1e9, 'G'] : biggest >= 1e7 ? [1e6, 'M'] : biggest >= 1e4 ? [1e3, 'k'] : [1, ''];
  const labelDecimals = Math.max(0, -Math.floor(Math.log10(step / scale) + EPS));
  const exponent = labelDecimals > 6 || biggest >= 1e13;
  const digits = clamp(Math.floor(Math.log10(biggest || 1)) - Math.floor(Math.log10(step)) + 1, 1, 21);
  const labels = ticks.map((v) => {
    if (v === 0) return '0';
    if (exponent) return Number(v.toPrecision(digits)).toExponential();
    return `${noNegativeZero((v / scale).toFixed(labelDecimals))}${suffix}`;
  });
  return { min: first, max: last, step, ticks, labels };
}

/** x rounded to `decimals` places (removes binary noise such as 0.30000000000000004); tiny magnitudes as they are. */
function roundTo(x: number, decimals: number): number {
  return decimals > 15 ? x : Number(x.toFixed(Math.max(0, decimals)));
}

function noNegativeZero(text: string): string {
  return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text;
}

export function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
