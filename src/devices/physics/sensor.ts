import type { Rng } from '../../core/rng.js';
import { DAY_MS, MINUTE_MS, eventProbability } from './util.js';

export interface SensorFaults {
  /** Stuck-at faults (the reading freezes), per day. */
  stuckRatePerDay: number;
  /** How long a stuck-at fault lasts, minutes. */
  stuckDurationMinutes: number;
  /** Spikes (one reading off by ± spikeMagnitude), per hour. */
  spikeRatePerHour: number;
  /** Spike size, in the channel's unit (sign seeded). */
  spikeMagnitude: number;
  /** Dropouts (the reading is missing: null), per hour. */
  dropoutRatePerHour: number;
}

/** Sensor realism for any channel. Everything 0 = a perfect sensor; a model opts in to each effect. */
export interface SensorParams {
  /** Gaussian noise sd, channel unit. */
  noiseSd: number;
  /** ADC resolution over [rangeMin, rangeMax], bits; 0 = no quantisation (needs a range). */
  bits: number;
  /** Measuring range, channel unit; readings are clamped to it when rangeMax > rangeMin. */
  rangeMin: number;
  rangeMax: number;
  /** Calibration offset, channel unit. */
  offset: number;
  /** Linear calibration drift, channel unit per day of model time. */
  driftPerDay: number;
  faults: SensorFaults;
}

export const DEFAULTS: SensorParams = {
  noiseSd: 0,
  bits: 0,
  rangeMin: 0,
  rangeMax: 0,
  offset: 0,
  driftPerDay: 0,
  faults: { stuckRatePerDay: 0, stuckDurationMinutes: 0, spikeRatePerHour: 0, spikeMagnitude: 0, dropoutRatePerHour: 0 },
};

export interface SensorState {
  /** Drift accumulated so far, channel unit. */
  drift: number;
  /** Value held while stuck, and model time until which it is held (−Infinity: not stuck). */
  stuckValue: number;
  stuckUntilMs: number;
  /** Fault counters, for tests and for models that report diagnostics. */
  spikes: number;
  stuckFaults: number;
  dropouts: number;
}

export function initSensor(_p: SensorParams, _rng: Rng): SensorState {
  return { drift: 0, stuckValue: 0, stuckUntilMs: -Infinity, spikes: 0, stuckFaults: 0, dropouts: 0 };
}

/** Snap v to the ADC grid over [min, max] with 2^bits levels. */
export function quantise(v: number, bits: number, min: number, max: number): number {
  const step = (max - min) / (2 ** bits - 1);
  return min + Math.round((v - min) / step) * step;
}

/**
 * One reading of trueValue at nowMs, dtMs after the previous reading. null = dropout (missing reading).
 * Order: drift + offset → noise → spike → stuck → clamp to range → quantise. Random draws happen only for the
 * effects that are switched on. Quantisation needs a range (rangeMax > rangeMin).
 */
export function readSensor(s: SensorState, p: SensorParams, trueValue: number, nowMs: number, dtMs: number, rng: Rng): number | null {
  const f = p.faults;
  if (dtMs > 0) s.drift += (p.driftPerDay * dtMs) / DAY_MS;
  if (f.dropoutRatePerHour > 0 && rng.next() < eventProbability(f.dropoutRatePerHour, dtMs)) {
    s.dropouts++;
    return null;
  }
  let v = trueValue + s.drift + p.offset;
  if (p.noiseSd > 0) v += rng.normal(0, p.noiseSd);
  if (f.spikeRatePerHour > 0 && rng.next() < eventProbability(f.spikeRatePerHour, dtMs)) {
    s.spikes++;
    v += rng.next() < 0.5 ? -f.spikeMagnitude : f.spikeMagnitude;
  }
  if (nowMs < s.stuckUntilMs) v = s.stuckValue;
  else if (f.stuckRatePerDay > 0 && rng.next() < eventProbability(f.stuckRatePerDay / 24, dtMs)) {
    s.stuckFaults++;
    s.stuckValue = v;
    s.stuckUntilMs = nowMs + f.stuckDurationMinutes * MINUTE_MS;
  }
  if (p.rangeMax > p.rangeMin) {
    v = v < p.rangeMin ? p.rangeMin : v > p.rangeMax ? p.rangeMax : v;
    if (p.bits > 0) v = quantise(v, p.bits, p.rangeMin, p.rangeMax);
  }
  return v;
}
