import type { Rng } from '../../core/rng.js';
import { HOUR_MS, MINUTE_MS, hourOfDay, isWeekend } from './util.js';

/** Occupancy fraction by hour of day for an office on a weekday (index = hour, UTC). */
export const OFFICE_OCCUPANCY: readonly number[] = [
  0, 0, 0, 0, 0, 0, 0, 0.1, 0.6, 1, 1, 1, 0.5, 0.9, 1, 1, 0.9, 0.5, 0.2, 0, 0, 0, 0, 0,
];

/** Indoor CO2 from occupants and ventilation: well-mixed single-zone mass balance. */
export interface Co2Params {
  /** Room volume, m³. */
  volumeM3: number;
  /** Ventilation, air changes per hour, 1/h. */
  airChangesPerHour: number;
  /** Outdoor CO2, ppm. */
  outdoorPpm: number;
  /** CO2 emitted per person, L/h (sedentary adult ≈ 18). */
  emissionLPerHourPerPerson: number;
  /** People at full occupancy. */
  capacityPeople: number;
  /** Occupancy on weekends as a fraction of the weekday schedule. */
  weekendFactor: number;
  /** Relative noise of the head count, drawn every 15 minutes (0 = the schedule exactly). */
  occupancyNoise: number;
}

export const DEFAULTS: Co2Params = {
  volumeM3: 75,
  airChangesPerHour: 1,
  outdoorPpm: 420,
  emissionLPerHourPerPerson: 18,
  capacityPeople: 6,
  weekendFactor: 0,
  occupancyNoise: 0.25,
};

const SLOT_MS = 15 * MINUTE_MS;

export interface Co2State {
  ppm: number;
  /** Head count in the current 15-minute slot. */
  occupants: number;
  /** Index of that slot (epoch ms / 15 min); −1 before the first step. */
  slot: number;
}

/** Steady state for a head count: outdoor + generation / ventilation, ppm. */
export function steadyStatePpm(p: Co2Params, occupants: number): number {
  const genM3PerHour = (occupants * p.emissionLPerHourPerPerson) / 1000;
  return p.outdoorPpm + (1e6 * genM3PerHour) / (p.volumeM3 * p.airChangesPerHour);
}

export function scheduledOccupants(p: Co2Params, nowMs: number): number {
  const f = OFFICE_OCCUPANCY[Math.floor(hourOfDay(nowMs))] ?? 0;
  return p.capacityPeople * f * (isWeekend(nowMs) ? p.weekendFactor : 1);
}

export function initCo2(p: Co2Params, _rng: Rng): Co2State {
  return { ppm: p.outdoorPpm, occupants: 0, slot: -1 };
}

/** Exact solution of dC/dt = G/V − ACH (C − Cout) per 15-minute slot of constant occupancy. */
export function stepCo2(s: Co2State, p: Co2Params, nowMs: number, dtMs: number, rng: Rng): void {
  if (!(dtMs > 0)) return;
  let t = nowMs - dtMs;
  while (t < nowMs) {
    const slot = Math.floor(t / SLOT_MS);
    if (slot !== s.slot) {
      s.slot = slot;
      const mean = scheduledOccupants(p, slot * SLOT_MS);
      const n = p.occupancyNoise > 0 && mean > 0 ? mean * (1 + rng.normal(0, p.occupancyNoise)) : mean;
      s.occupants = Math.max(0, Math.min(Math.round(n), Math.ceil(p.capacityPeople * 1.5)));
    }
    const end = Math.min(nowMs, (slot + 1) * SLOT_MS);
    const ss = steadyStatePpm(p, s.occupants);
    s.ppm = ss + (s.ppm - ss) * Math.exp((-p.airChangesPerHour * (end - t)) / HOUR_MS);
    t = end;
  }
}
