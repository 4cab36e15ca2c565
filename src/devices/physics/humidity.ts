import type { Rng } from '../../core/rng.js';
import { HOUR_MS, clamp } from './util.js';

/** Saturation vapour pressure over water, hPa (Magnus formula, Alduchov & Eskridge coefficients). */
export function saturationVapourPressureHPa(temperatureC: number): number {
  return 6.1094 * Math.exp((17.625 * temperatureC) / (temperatureC + 243.04));
}

/** Absolute humidity, g/m³, of air at temperatureC with vapour pressure eHPa. */
export function absoluteHumidityGm3(eHPa: number, temperatureC: number): number {
  return (216.7 * eHPa) / (temperatureC + 273.15);
}

/** Relative humidity from a moisture content that is conserved while the temperature changes. */
export interface HumidityParams {
  /** Moisture level the space relaxes toward (sources, ventilation), expressed as RH at targetAtC, %. */
  targetRhPercent: number;
  /** Temperature at which targetRhPercent holds, °C. */
  targetAtC: number;
  /** Time constant of the relaxation of the vapour pressure toward the target, hours (slow). */
  relaxHours: number;
  /** Random moisture fluctuation (OU noise on the vapour pressure), hPa per √hour. */
  noiseHPaPerSqrtHour: number;
}

export const DEFAULTS: HumidityParams = { targetRhPercent: 45, targetAtC: 21, relaxHours: 6, noiseHPaPerSqrtHour: 0.1 };

export interface HumidityState {
  /** Water-vapour partial pressure, hPa: conserved by temperature changes, so RH falls as the air warms. */
  vapourPressureHPa: number;
  /** Relative humidity at the last step's temperature, % (0–100). */
  rhPercent: number;
}

export function initHumidity(p: HumidityParams, temperatureC: number, rng: Rng): HumidityState {
  const e = ((p.targetRhPercent + rng.uniform(-3, 3)) / 100) * saturationVapourPressureHPa(p.targetAtC);
  const s: HumidityState = { vapourPressureHPa: e, rhPercent: 0 };
  updateRh(s, temperatureC);
  return s;
}

function updateRh(s: HumidityState, temperatureC: number): void {
  const es = saturationVapourPressureHPa(temperatureC);
  if (s.vapourPressureHPa > es) s.vapourPressureHPa = es; // condensation caps it at saturation
  if (s.vapourPressureHPa < 0) s.vapourPressureHPa = 0;
  s.rhPercent = clamp((100 * s.vapourPressureHPa) / es, 0, 100);
}

/** Target, decay and noise sd of the last (dt, params): virtual time steps by the same interval (same values). */
const memo = { dtMs: NaN, rh: NaN, at: NaN, hours: NaN, noise: NaN, target: 0, a: 0, noisy: false, sd: 0 };

/** Relax the vapour pressure toward the target (exact OU update), then read RH at the given air temperature. */
export function stepHumidity(s: HumidityState, p: HumidityParams, temperatureC: number, _nowMs: number, dtMs: number, rng: Rng): void {
  if (dtMs > 0) {
    const m = memo;
    if (dtMs !== m.dtMs || p.targetRhPercent !== m.rh || p.targetAtC !== m.at || p.relaxHours !== m.hours || p.noiseHPaPerSqrtHour !== m.noise) {
      m.target = (p.targetRhPercent / 100) * saturationVapourPressureHPa(p.targetAtC);
      const tauMs = p.relaxHours * HOUR_MS;
      m.a = tauMs > 0 ? Math.exp(-dtMs / tauMs) : 0;
      // Stationary sd of the OU process is σ √(τ/2); the exact update's noise is that × √(1 − a²).
      m.noisy = p.noiseHPaPerSqrtHour > 0 && tauMs > 0;
      m.sd = m.noisy ? p.noiseHPaPerSqrtHour * Math.sqrt(p.relaxHours / 2) * Math.sqrt(1 - m.a * m.a) : 0;
      m.dtMs = dtMs;
      m.rh = p.targetRhPercent;
      m.at = p.targetAtC;
      m.hours = p.relaxHours;
      m.noise = p.noiseHPaPerSqrtHour;
    }
    s.vapourPressureHPa = m.target + (s.vapourPressureHPa - m.target) * m.a;
    if (m.noisy) s.vapourPressureHPa += rng.normal(0, m.sd);
  }
  updateRh(s, temperatureC);
}
