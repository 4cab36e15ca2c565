import type { Rng } from '../../core/rng.js';
import { HOUR_MS, clamp, interpolate } from './util.js';

/** Open-circuit voltage of one Li-ion (NMC/LCO) cell vs state of charge, [SoC %, V]. */
export const LI_ION_OCV: ReadonlyArray<readonly [number, number]> = [
  [0, 3.0], [5, 3.45], [10, 3.55], [20, 3.65], [30, 3.7], [40, 3.75], [50, 3.79],
  [60, 3.84], [70, 3.9], [80, 3.97], [90, 4.06], [100, 4.2],
];

/** Fraction of the rated capacity available vs cell temperature, [°C, fraction]. */
export const CAPACITY_VS_TEMPERATURE: ReadonlyArray<readonly [number, number]> = [
  [-20, 0.6], [-10, 0.75], [0, 0.85], [10, 0.93], [25, 1], [45, 1],
];

export interface BatteryParams {
  /** Rated capacity at 25 °C, mAh. */
  capacityMah: number;
  /** Internal resistance, Ω. */
  internalResistanceOhm: number;
  /** The device browns out below this terminal voltage, V. */
  cutoffV: number;
  /** Self-discharge, % of rated capacity per 30 days. */
  selfDischargePercentPerMonth: number;
  /** Initial state of charge, % (seeded ± 2 unless 100). */
  initialSocPercent: number;
}

export const DEFAULTS: BatteryParams = {
  capacityMah: 2600,
  internalResistanceOhm: 0.15,
  cutoffV: 3.0,
  selfDischargePercentPerMonth: 2,
  initialSocPercent: 100,
};

export interface BatteryState {
  /** Charge drawn from full, mAh (rated scale). */
  usedMah: number;
  /** State of charge of the available capacity at the present temperature, % (0–100). */
  socPercent: number;
  /** Terminal voltage under the last step's load, V. */
  voltageV: number;
  /** Latched when the voltage falls below the cutoff (or SoC hits 0); cleared only by charging. */
  dead: boolean;
}

export function initBattery(p: BatteryParams, rng: Rng): BatteryState {
  const soc = p.initialSocPercent >= 100 ? 100 : clamp(p.initialSocPercent + rng.uniform(-2, 2), 0, 100);
  const usedMah = (1 - soc / 100) * p.capacityMah;
  return { usedMah, socPercent: soc, voltageV: interpolate(LI_ION_OCV, soc), dead: false };
}

/**
 * Drain (currentMa > 0) or charge (currentMa < 0) for dtMs at the average current the model's duty cycle draws.
 * While discharging the reported voltage never rises: it is the lowest loaded voltage seen since the last charge
 * (a lighter load or a warmer cell does not make a discharging battery report more than it did; a charger resets it).
 */
export function stepBattery(
  s: BatteryState,
  p: BatteryParams,
  currentMa: number,
  temperatureC: number,
  _nowMs: number,
  dtMs: number,
  _rng: Rng,
): void {
  const hours = dtMs > 0 ? dtMs / HOUR_MS : 0;
  const selfMa = (p.selfDischargePercentPerMonth / 100) * p.capacityMah / (30 * 24);
  const charging = currentMa < 0;
  s.usedMah = clamp(s.usedMah + (currentMa + selfMa) * hours, 0, p.capacityMah);
  const available = p.capacityMah * interpolate(CAPACITY_VS_TEMPERATURE, temperatureC);
  // Cold hides the top of the usable charge: the same used charge is a larger share of what is available.
  s.socPercent = clamp(100 * (1 - s.usedMah / available), 0, 100);
  const v = interpolate(LI_ION_OCV, s.socPercent) - (currentMa / 1000) * p.internalResistanceOhm;
  if (charging) {
    s.voltageV = v;
    if (s.socPercent > 0 && v >= p.cutoffV) s.dead = false;
  } else {
    s.voltageV = Math.min(s.voltageV, v);
    if (s.voltageV < p.cutoffV || s.socPercent <= 1e-9) s.dead = true; // ε: float sums of many small steps
  }
}
