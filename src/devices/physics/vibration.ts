import type { Rng } from '../../core/rng.js';
import { DAY_MS } from './util.js';

/** A rotating machine (pump, fan, motor) with a seeded bearing-wear fault that grows exponentially after onset. */
export interface VibrationParams {
  /** Running speed, rpm. */
  rpm: number;
  /** Healthy velocity amplitude (peak) at 1× running speed (imbalance), mm/s. */
  amp1xMmS: number;
  /** Healthy velocity amplitude (peak) at 2× running speed (misalignment, looseness), mm/s. */
  amp2xMmS: number;
  /** Healthy broadband velocity floor (RMS), mm/s. */
  broadbandMmS: number;
  /** Bearing defect frequency as an order of running speed (BPFO of a typical ball bearing ≈ 3.58). */
  bearingOrder: number;
  /** Fault onset is seeded, uniform in [min, max] days of model time after init; max = 0 disables the fault. */
  faultOnsetMinDays: number;
  faultOnsetMaxDays: number;
  /** Severity (0–1) at onset. */
  faultInitialSeverity: number;
  /** Exponential growth rate of severity after onset, per day (e-folding time = 1 / this). */
  faultGrowthPerDay: number;
  /** At full severity (1): added 2× amplitude, bearing-frequency amplitude, and broadband RMS, mm/s. */
  fault2xMmS: number;
  faultBearingMmS: number;
  faultBroadbandMmS: number;
  /** Gaussian measurement noise, as a fraction of each feature (0.03 = 3 %). */
  noiseFraction: number;
}

export const DEFAULTS: VibrationParams = {
  rpm: 1480,
  amp1xMmS: 1.2,
  amp2xMmS: 0.4,
  broadbandMmS: 0.3,
  bearingOrder: 3.58,
  faultOnsetMinDays: 30,
  faultOnsetMaxDays: 180,
  faultInitialSeverity: 0.01,
  faultGrowthPerDay: 0.05,
  fault2xMmS: 3,
  faultBearingMmS: 4,
  faultBroadbandMmS: 2,
  noiseFraction: 0.03,
};

export interface VibrationState {
  /** Model time since init, ms. */
  ageMs: number;
  /** Model age at which the bearing fault starts, ms (Infinity: never). */
  onsetMs: number;
  /** Fault severity, 0 (healthy) … 1 (failed). */
  severity: number;
  /** Features of the last step (measured, with noise). */
  amp1xMmS: number;
  amp2xMmS: number;
  ampBearingMmS: number;
  /** Overall RMS velocity, mm/s (ISO 10816 / 20816 measure). */
  rmsVelocityMmS: number;
  /** Peak acceleration, m/s². */
  peakAccelMs2: number;
}

export function initVibration(p: VibrationParams, rng: Rng): VibrationState {
  const onsetMs = p.faultOnsetMaxDays > 0 ? rng.uniform(p.faultOnsetMinDays, p.faultOnsetMaxDays) * DAY_MS : Infinity;
  return { ageMs: 0, onsetMs, severity: 0, amp1xMmS: p.amp1xMmS, amp2xMmS: p.amp2xMmS, ampBearingMmS: 0, rmsVelocityMmS: 0, peakAccelMs2: 0 };
}

/** Severity at a given model age: a pure function of time, so it does not depend on the step size. */
export function severityAt(p: VibrationParams, onsetMs: number, ageMs: number): number {
  if (ageMs < onsetMs) return 0;
  return Math.min(1, p.faultInitialSeverity * Math.exp((p.faultGrowthPerDay * (ageMs - onsetMs)) / DAY_MS));
}

/** A feature with relative measurement noise (a module function, not a closure per step: no allocation). */
function noisy(x: number, p: VibrationParams, rng: Rng): number {
  return p.noiseFraction > 0 ? Math.max(0, x * (1 + rng.normal(0, p.noiseFraction))) : x;
}

export function stepVibration(s: VibrationState, p: VibrationParams, _nowMs: number, dtMs: number, rng: Rng): void {
  if (dtMs > 0) s.ageMs += dtMs;
  s.severity = severityAt(p, s.onsetMs, s.ageMs);
  const f1 = p.rpm / 60;
  const a1 = noisy(p.amp1xMmS, p, rng);
  const a2 = noisy(p.amp2xMmS + s.severity * p.fault2xMmS, p, rng);
  const ab = noisy(s.severity * p.faultBearingMmS, p, rng);
  const bb = noisy(p.broadbandMmS + s.severity * p.faultBroadbandMmS, p, rng);
  s.amp1xMmS = a1;
  s.amp2xMmS = a2;
  s.ampBearingMmS = ab;
  // Sinusoids contribute peak²/2 to the mean square; the broadband floor is already an RMS.
  s.rmsVelocityMmS = Math.sqrt((a1 * a1 + a2 * a2 + ab * ab) / 2 + bb * bb);
  // Acceleration amplitude of each line is v·ω; broadband taken around 10× running speed with crest factor 3.
  const w = 2 * Math.PI * f1;
  s.peakAccelMs2 = (a1 * w + a2 * 2 * w + ab * p.bearingOrder * w + 3 * bb * 10 * w) / 1000;
}
