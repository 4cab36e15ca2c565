import type { Rng } from '../../core/rng.js';
import { ExpMemo, MINUTE_MS, dailyCosByMinute, minuteOfDay, nextEventMs } from './util.js';

/** A first-order RC space (room, cold room, freezer) with an on/off heater or compressor and door disturbances. */
export interface ThermalParams {
  /** 'heat': the actuator is a heater (on below the band); 'cool': a compressor (on above the band). */
  mode: 'heat' | 'cool';
  /** Time constant of the space toward ambient (insulation × thermal mass), minutes. */
  tauMinutes: number;
  /** Daily mean of the ambient (outside the space), °C. */
  ambientMeanC: number;
  /** Half the daily peak-to-trough swing of the ambient, °C. */
  ambientAmplitudeC: number;
  /** Hour of day (UTC) at which the ambient is warmest, h. */
  ambientPeakHour: number;
  /** Controller setpoint, °C. */
  setpointC: number;
  /** Half-width of the hysteresis band, °C: switches at setpoint ± hysteresis. */
  hysteresisC: number;
  /** Temperature the actuator pulls the space toward while on (e.g. evaporator −35 °C, heater 45 °C), °C. */
  actuatorTargetC: number;
  /** Time constant of the actuator's pull while on, minutes. */
  actuatorTauMinutes: number;
  /** Door openings per hour (Poisson); 0 = never. */
  doorRatePerHour: number;
  /** Mean temperature change per door opening, °C (each: uniform 0.5–1.5 × this; negative = cold air in). */
  doorHeatC: number;
}

/** A heated room in a mild climate. */
export const DEFAULTS: ThermalParams = {
  mode: 'heat',
  tauMinutes: 300,
  ambientMeanC: 8,
  ambientAmplitudeC: 4,
  ambientPeakHour: 15,
  setpointC: 21,
  hysteresisC: 0.5,
  actuatorTargetC: 45,
  actuatorTauMinutes: 120,
  doorRatePerHour: 0.5,
  doorHeatC: -0.5,
};

/** A walk-in freezer at −18 °C ± 1 in a 20 °C room. */
export const FREEZER: ThermalParams = {
  mode: 'cool',
  tauMinutes: 600,
  ambientMeanC: 20,
  ambientAmplitudeC: 2,
  ambientPeakHour: 15,
  setpointC: -18,
  hysteresisC: 1,
  actuatorTargetC: -35,
  actuatorTauMinutes: 60,
  doorRatePerHour: 2,
  doorHeatC: 1.5,
};

/** A cold room at 4 °C ± 1. */
export const COLD_ROOM: ThermalParams = { ...FREEZER, setpointC: 4, actuatorTargetC: -8, tauMinutes: 400, doorRatePerHour: 4, doorHeatC: 1 };

export interface ThermalState {
  temperatureC: number;
  /** Heater / compressor running. */
  on: boolean;
  /** Number of off→on switches so far. */
  cycles: number;
  /** Cumulative actuator running time, ms (duty cycle, energy). */
  onMs: number;
  /** Door openings so far. */
  doorOpenings: number;
  /** Model time until the next door opening, ms. */
  untilDoorMs: number;
}

export function initThermal(p: ThermalParams, rng: Rng): ThermalState {
  return {
    temperatureC: p.setpointC + rng.uniform(-p.hysteresisC, p.hysteresisC),
    on: false,
    cycles: 0,
    onMs: 0,
    doorOpenings: 0,
    untilDoorMs: nextEventMs(rng, p.doorRatePerHour),
  };
}

/** The decays exp(−k·rem) of the last sub-steps (same values: see ExpMemo). */
const decay = new ExpMemo();

/**
 * Advance over [nowMs − dtMs, nowMs]. Sub-steps follow the absolute 1-minute grid (ambient held at the value of the
 * minute's midpoint), so one long step equals many short ones; within a sub-step the temperature follows the exact
 * exponential and the controller switches at the exact crossing time of its threshold.
 */
export function stepThermal(s: ThermalState, p: ThermalParams, nowMs: number, dtMs: number, rng: Rng): void {
  if (!(dtMs > 0)) return;
  let t = nowMs - dtMs;
  const end = nowMs;
  const kAmb = 1 / (p.tauMinutes * MINUTE_MS);
  const kAct = p.actuatorTauMinutes > 0 ? 1 / (p.actuatorTauMinutes * MINUTE_MS) : 0;
  const cool = p.mode === 'cool';
  const hi = p.setpointC + p.hysteresisC;
  const lo = p.setpointC - p.hysteresisC;
  // dailySinusoid(cell + 30 s, ambientMeanC, ambientAmplitudeC, ambientPeakHour), its cosine taken from the table.
  const cos = dailyCosByMinute(p.ambientPeakHour);
  while (t < end) {
    const minute = Math.floor(t / MINUTE_MS);
    const cell = minute * MINUTE_MS;
    const ambient = p.ambientMeanC + p.ambientAmplitudeC * (cos[minuteOfDay(minute)] as number);
    let segEnd = Math.min(end, cell + MINUTE_MS);
    const door = t + s.untilDoorMs <= segEnd;
    if (door) segEnd = t + s.untilDoorMs;
    const segMs = segEnd - t;
    // Integrate [t, segEnd] exactly, switching the controller at threshold crossings.
    let rem = segMs;
    for (let guard = 0; guard < 8 && rem > 0; guard++) {
      const k = kAmb + (s.on ? kAct : 0);
      const target = (kAmb * ambient + (s.on ? kAct * p.actuatorTargetC : 0)) / k;
      // Threshold that would flip the controller in its current state, and the direction of travel to it.
      const heating = cool ? !s.on : s.on; // true when the switch happens on the way up
      const thr = heating ? hi : lo;
      const T = s.temperatureC;
      const endT = target + (T - target) * decay.exp(-k * rem);
      let cross = Infinity;
      if (heating ? T >= thr : T <= thr) cross = 0;
      // The crossing time (a log) matters only if the segment ends near or past the threshold; 1e-6 °C short of it
      // the crossing is surely later than rem (by ≥ 1e-4 ms for any params), so cross = Infinity takes the same branch.
      else if (heating ? target > thr && endT >= thr - 1e-6 : target < thr && endT <= thr + 1e-6) cross = Math.log((T - target) / (thr - target)) / k;
      if (cross >= rem) {
        if (s.on) s.onMs += rem;
        s.temperatureC = endT;
        rem = 0;
      } else {
        if (s.on) s.onMs += cross;
        if (cross > 0) s.temperatureC = thr;
        rem -= cross;
        s.on = !s.on;
        if (s.on) s.cycles++;
      }
    }
    if (rem > 0) {
      // Pathological chattering (zero-width band): finish the segment in the current state.
      const k = kAmb + (s.on ? kAct : 0);
      const target = (kAmb * ambient + (s.on ? kAct * p.actuatorTargetC : 0)) / k;
      if (s.on) s.onMs += rem;
      s.temperatureC = target + (s.temperatureC - target) * Math.exp(-k * rem);
    }
    s.untilDoorMs -= segMs;
    t = segEnd;
    if (door) {
      s.doorOpenings++;
      s.temperatureC += p.doorHeatC * rng.uniform(0.5, 1.5);
      s.untilDoorMs = nextEventMs(rng, p.doorRatePerHour);
    }
  }
}
