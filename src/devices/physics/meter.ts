import type { Rng } from '../../core/rng.js';
import { HOUR_MS, MINUTE_MS, hourOfDay, isWeekend, nextEventMs } from './util.js';

/** Hourly load knots, kW at hh:00 (linear in between): [weekday, weekend]. */
export const PROFILES = {
  household: [
    [0.25, 0.22, 0.2, 0.2, 0.2, 0.25, 0.45, 0.8, 0.7, 0.45, 0.4, 0.4, 0.45, 0.4, 0.38, 0.4, 0.5, 0.75, 1.05, 1.15, 1.0, 0.8, 0.55, 0.35],
    [0.3, 0.25, 0.22, 0.2, 0.2, 0.2, 0.25, 0.4, 0.65, 0.8, 0.75, 0.7, 0.75, 0.65, 0.55, 0.55, 0.6, 0.8, 1.05, 1.1, 0.95, 0.8, 0.6, 0.4],
  ],
  building: [
    [8, 8, 8, 8, 8, 8, 12, 18, 25, 26, 26, 26, 25, 26, 26, 25, 24, 18, 12, 10, 9, 8, 8, 8],
    [8, 8, 8, 8, 8, 8, 8, 9, 10, 10, 10, 10, 10, 10, 10, 10, 10, 9, 8, 8, 8, 8, 8, 8],
  ],
} as const satisfies Record<string, readonly [readonly number[], readonly number[]]>;

export interface MeterParams {
  kind: 'household' | 'building';
  /** Multiplies the load profile (a bigger house, a smaller office). */
  scale: number;
  /** Appliance switch-ons per hour (Poisson): kettle, oven, washer; for buildings, chillers and lifts. */
  applianceRatePerHour: number;
  /** Appliance power, kW, seeded uniform in [min, max]. */
  applianceKwMin: number;
  applianceKwMax: number;
  /** Appliance run time, minutes, seeded uniform in [min, max]. */
  applianceMinutesMin: number;
  applianceMinutesMax: number;
}

export const DEFAULTS: MeterParams = {
  kind: 'household',
  scale: 1,
  applianceRatePerHour: 0.6,
  applianceKwMin: 0.5,
  applianceKwMax: 2.5,
  applianceMinutesMin: 5,
  applianceMinutesMax: 60,
};

export const BUILDING: MeterParams = {
  kind: 'building',
  scale: 1,
  applianceRatePerHour: 2,
  applianceKwMin: 2,
  applianceKwMax: 10,
  applianceMinutesMin: 10,
  applianceMinutesMax: 45,
};

/** Remainders below this are done: epoch-ms floats near 1.7e12 resolve only ~0.25 µs. */
const EPS_MS = 1e-3;

/** At most this many appliances run at once; a new one beyond that is dropped. */
export const MAX_APPLIANCES = 4;

export interface MeterState {
  /** Instantaneous power at the last step, kW. */
  powerKw: number;
  /** Cumulative energy, kWh (exact integral of the power). */
  energyKwh: number;
  /** Running appliances: power kW and remaining run time ms, MAX_APPLIANCES slots (0 ms = free). */
  appKw: number[];
  appLeftMs: number[];
  untilApplianceMs: number;
  /** Appliance switch-ons so far. */
  appliances: number;
}

/** The profile load at t, kW (no appliances). */
export function baseKw(p: MeterParams, t: number): number {
  const table = PROFILES[p.kind];
  const h = hourOfDay(t);
  const i = Math.floor(h);
  const a = table[isWeekend(t) ? 1 : 0][i] ?? 0;
  const next = t + (i + 1 - h) * HOUR_MS; // hh+1:00, possibly tomorrow (weekday → weekend)
  const b = table[isWeekend(next) ? 1 : 0][(i + 1) % 24] ?? 0;
  return p.scale * (a + (b - a) * (h - i));
}

function appliancesKw(s: MeterState): number {
  let kw = 0;
  for (let i = 0; i < MAX_APPLIANCES; i++) if ((s.appLeftMs[i] ?? 0) > 0) kw += s.appKw[i] ?? 0;
  return kw;
}

export function initMeter(p: MeterParams, rng: Rng): MeterState {
  return {
    powerKw: 0,
    energyKwh: 0,
    appKw: new Array<number>(MAX_APPLIANCES).fill(0),
    appLeftMs: new Array<number>(MAX_APPLIANCES).fill(0),
    untilApplianceMs: nextEventMs(rng, p.applianceRatePerHour),
    appliances: 0,
  };
}

/** Integrates exactly: the profile is linear within each hour (trapezoid), appliances are constant while on. */
export function stepMeter(s: MeterState, p: MeterParams, nowMs: number, dtMs: number, rng: Rng): void {
  let t = nowMs - dtMs;
  while (t < nowMs) {
    let end = Math.min(nowMs, (Math.floor(t / HOUR_MS) + 1) * HOUR_MS, t + s.untilApplianceMs);
    for (let i = 0; i < MAX_APPLIANCES; i++) {
      const left = s.appLeftMs[i] ?? 0;
      if (left > 0) end = Math.min(end, t + left);
    }
    const seg = end - t;
    s.energyKwh += ((baseKw(p, t) + baseKw(p, end)) / 2 + appliancesKw(s)) * (seg / HOUR_MS);
    for (let i = 0; i < MAX_APPLIANCES; i++) {
      const left = s.appLeftMs[i] ?? 0;
      if (left > 0) s.appLeftMs[i] = left - seg <= EPS_MS ? 0 : left - seg;
    }
    s.untilApplianceMs -= seg;
    if (s.untilApplianceMs <= EPS_MS) {
      s.appliances++;
      const kw = rng.uniform(p.applianceKwMin, p.applianceKwMax);
      const ms = rng.uniform(p.applianceMinutesMin, p.applianceMinutesMax) * MINUTE_MS;
      const free = s.appLeftMs.findIndex((v) => v <= 0);
      if (free >= 0) {
        s.appKw[free] = kw;
        s.appLeftMs[free] = ms;
      }
      s.untilApplianceMs = nextEventMs(rng, p.applianceRatePerHour);
    }
    t = end;
  }
  s.powerKw = baseKw(p, nowMs) + appliancesKw(s);
}
