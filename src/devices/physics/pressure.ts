import type { Rng } from '../../core/rng.js';
import { DAY_MS, hourOfDay } from './util.js';

/** Barometric pressure: weather fronts as an Ornstein–Uhlenbeck process plus the semidiurnal atmospheric tide. */
export interface PressureParams {
  /** Long-term mean at the station, hPa (sea level ≈ 1013.25). */
  meanHPa: number;
  /** Standard deviation of the weather-front anomaly, hPa (mid-latitudes ≈ 6–10). */
  frontSdHPa: number;
  /** Correlation time of weather fronts, days. */
  frontTauDays: number;
  /** Amplitude of the semidiurnal (12 h) tide, hPa (≈ 0.5 mid-latitude, ≈ 1.2 tropics). */
  tideAmplitudeHPa: number;
  /** First daily maximum of the tide, hour of day UTC (≈ 10 local solar time). */
  tidePeakHour: number;
}

export const DEFAULTS: PressureParams = { meanHPa: 1013.25, frontSdHPa: 6, frontTauDays: 4, tideAmplitudeHPa: 0.5, tidePeakHour: 10 };

export interface PressureState {
  /** Weather anomaly from the mean, hPa. */
  anomalyHPa: number;
  /** Station pressure at the last step, hPa. */
  pressureHPa: number;
}

export function tideHPa(p: PressureParams, nowMs: number): number {
  return p.tideAmplitudeHPa * Math.cos((2 * Math.PI * (hourOfDay(nowMs) - p.tidePeakHour)) / 12);
}

export function initPressure(p: PressureParams, rng: Rng): PressureState {
  const anomalyHPa = rng.normal(0, p.frontSdHPa); // start in the stationary distribution
  return { anomalyHPa, pressureHPa: p.meanHPa + anomalyHPa };
}

/** The decay exp(−dt/τ) and √(1 − a²) of the last (dt, τ): virtual time steps by the same interval (same values). */
const memo = { dtMs: NaN, tauMs: NaN, a: 0, root: 0 };

/** Exact OU update over dt (valid for any dt), then add the tide at nowMs. */
export function stepPressure(s: PressureState, p: PressureParams, nowMs: number, dtMs: number, rng: Rng): void {
  if (dtMs > 0) {
    const tauMs = p.frontTauDays * DAY_MS;
    if (dtMs !== memo.dtMs || tauMs !== memo.tauMs) {
      memo.a = tauMs > 0 ? Math.exp(-dtMs / tauMs) : 0;
      memo.root = Math.sqrt(1 - memo.a * memo.a);
      memo.dtMs = dtMs;
      memo.tauMs = tauMs;
    }
    s.anomalyHPa *= memo.a;
    if (p.frontSdHPa > 0) s.anomalyHPa += rng.normal(0, p.frontSdHPa * memo.root);
  }
  s.pressureHPa = p.meanHPa + s.anomalyHPa + tideHPa(p, nowMs);
}

