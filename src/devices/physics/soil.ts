import type { Rng } from '../../core/rng.js';
import { HOUR_MS, MINUTE_MS, hourOfDay, nextEventMs } from './util.js';

/** Soil moisture in a root zone: daytime evapotranspiration, lagged infiltration of irrigation and rain, drainage. */
export interface SoilParams {
  /** Volumetric water content limits, %: wilting point, field capacity, saturation (porosity). */
  wiltingPointPercent: number;
  fieldCapacityPercent: number;
  saturationPercent: number;
  /** Root-zone depth, mm (1 mm of water in a 300 mm zone = 0.33 % volumetric). */
  rootDepthMm: number;
  /** Potential evapotranspiration, mm/day, spread as a half-sine over 06–18 UTC (peak at noon). */
  etMmPerDay: number;
  /** Drainage of water above field capacity, time constant, hours. */
  drainageHours: number;
  /** Infiltration lag: pending surface water soaks in with this time constant, minutes. */
  infiltrationMinutes: number;
  /** Scheduled irrigation hour of day (UTC), h; −1 = none. */
  irrigationHour: number;
  /** Irrigate when moisture falls below this, % (0 = never); at most once per minIntervalHours. */
  irrigationThresholdPercent: number;
  minIntervalHours: number;
  /** Water per irrigation, mm. */
  irrigationMm: number;
  /** Rain events per day (Poisson), and mean depth, mm (exponential). */
  rainPerDay: number;
  rainMeanMm: number;
}

export const DEFAULTS: SoilParams = {
  wiltingPointPercent: 12,
  fieldCapacityPercent: 32,
  saturationPercent: 45,
  rootDepthMm: 300,
  etMmPerDay: 4,
  drainageHours: 12,
  infiltrationMinutes: 30,
  irrigationHour: 5,
  irrigationThresholdPercent: 0,
  minIntervalHours: 12,
  irrigationMm: 10,
  rainPerDay: 0.3,
  rainMeanMm: 6,
};

export interface SoilState {
  moisturePercent: number;
  /** Water on the surface not yet soaked in, mm. */
  pendingMm: number;
  /** Model time since the last irrigation, ms. */
  sinceIrrigationMs: number;
  untilRainMs: number;
  irrigations: number;
  rainEvents: number;
}

const SUB_MS = 5 * MINUTE_MS;

export function initSoil(p: SoilParams, rng: Rng): SoilState {
  return {
    moisturePercent: rng.uniform(p.wiltingPointPercent + 0.4 * (p.fieldCapacityPercent - p.wiltingPointPercent), p.fieldCapacityPercent),
    pendingMm: 0,
    sinceIrrigationMs: Infinity,
    untilRainMs: nextEventMs(rng, p.rainPerDay / 24),
    irrigations: 0,
    rainEvents: 0,
  };
}

/** Evapotranspiration rate at hour h, mm/h: the half-sine integrates to etMmPerDay over a day. */
export function etMmPerHour(p: SoilParams, h: number): number {
  return h <= 6 || h >= 18 ? 0 : p.etMmPerDay * (Math.PI / 24) * Math.sin((Math.PI * (h - 6)) / 12);
}

/** Sub-steps on the absolute 5-minute grid; each process is solved exactly within a sub-step (operator splitting). */
export function stepSoil(s: SoilState, p: SoilParams, nowMs: number, dtMs: number, rng: Rng): void {
  let t = nowMs - dtMs;
  const mmToPct = 100 / p.rootDepthMm;
  while (t < nowMs) {
    const cell = Math.floor(t / SUB_MS) * SUB_MS;
    const end = Math.min(nowMs, cell + SUB_MS);
    const dt = end - t;
    // Scheduled irrigation when the sub-step holds hh:00 of irrigationHour.
    if (p.irrigationHour >= 0 && t === cell && Math.abs(hourOfDay(cell) - p.irrigationHour) < 1e-9) irrigate(s, p);
    else if (p.irrigationThresholdPercent > 0 && s.moisturePercent < p.irrigationThresholdPercent && s.sinceIrrigationMs >= p.minIntervalHours * HOUR_MS) irrigate(s, p);
    // Infiltration of pending water.
    const soaked = p.infiltrationMinutes > 0 ? s.pendingMm * (1 - Math.exp(-dt / (p.infiltrationMinutes * MINUTE_MS))) : s.pendingMm;
    s.pendingMm -= soaked;
    s.moisturePercent += soaked * mmToPct;
    // Evapotranspiration, limited as the soil dries toward the wilting point.
    const et = etMmPerHour(p, hourOfDay(cell + SUB_MS / 2));
    const span = p.fieldCapacityPercent - p.wiltingPointPercent;
    if (et > 0 && s.moisturePercent > p.wiltingPointPercent) {
      const k = (et * mmToPct) / span; // 1/h
      s.moisturePercent = p.wiltingPointPercent + (s.moisturePercent - p.wiltingPointPercent) * Math.exp((-k * dt) / HOUR_MS);
    }
    // Drainage above field capacity; runoff above saturation.
    if (s.moisturePercent > p.fieldCapacityPercent)
      s.moisturePercent = p.fieldCapacityPercent + (s.moisturePercent - p.fieldCapacityPercent) * Math.exp(-dt / (p.drainageHours * HOUR_MS));
    if (s.moisturePercent > p.saturationPercent) s.moisturePercent = p.saturationPercent;
    s.sinceIrrigationMs += dt;
    s.untilRainMs -= dt;
    if (s.untilRainMs <= 0) {
      s.rainEvents++;
      s.pendingMm += -Math.log(1 - rng.next()) * p.rainMeanMm;
      s.untilRainMs = nextEventMs(rng, p.rainPerDay / 24);
    }
    t = end;
  }
}

function irrigate(s: SoilState, p: SoilParams): void {
  s.irrigations++;
  s.pendingMm += p.irrigationMm;
  s.sinceIrrigationMs = 0;
}
