/** What the built-in models share: param helpers with unit-naming messages, sensor params, duty cycles, commands. */
import type { Rng } from '../../core/rng.js';
import { z } from '../../core/zod.js';
import type { CommandResult, DeviceCommand } from '../model.js';
import { DEFAULTS as SENSOR_OFF, type SensorParams } from '../physics/sensor.js';

function found(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return String(v);
}

/** "meaning, unit (min–max)", the description every param carries. */
function describe(meaning: string, unit: string, min: number, max: number): string {
  return `${meaning}${unit === '' ? '' : `, ${unit}`} (${min}–${max})`;
}

/**
 * A number param: default, range, and a message that names the range and unit whatever the wrong value
 * ("expected a number from -40 to -5 °C; found 3"), so a bare safeParse explains itself as well as the scenario compiler.
 */
export function num(def: number, min: number, max: number, unit: string, meaning: string, integer = false) {
  const what = `${integer ? 'a whole number' : 'a number'} from ${min} to ${max}${unit === '' ? '' : ` ${unit}`}`;
  const error = (iss: { input?: unknown }): string => `expected ${what}; found ${found(iss.input)}`;
  const base = integer ? z.number({ error }).int({ error }) : z.number({ error });
  return base.min(min, { error }).max(max, { error }).default(def).describe(describe(meaning, unit, min, max));
}

/** A count param (whole number). */
export function count(def: number, min: number, max: number, unit: string, meaning: string) {
  return num(def, min, max, unit, meaning, true);
}

type SensorDefaults = Partial<Omit<SensorParams, 'faults'>> & { faults?: Partial<SensorParams['faults']> };

/** The sensor-realism object in `unit` (every effect off unless `defaults` switches it on), without a default. */
export function sensorObjectSchema(unit: string, defaults: SensorDefaults = {}) {
  const d = { ...SENSOR_OFF, ...defaults, faults: { ...SENSOR_OFF.faults, ...defaults.faults } };
  const f = d.faults;
  const faults = z
    .object({
      stuckRatePerDay: num(f.stuckRatePerDay, 0, 100, '/day', 'stuck-at faults (the reading freezes)'),
      stuckDurationMinutes: num(f.stuckDurationMinutes, 0, 10_080, 'min', 'how long a stuck-at fault lasts'),
      spikeRatePerHour: num(f.spikeRatePerHour, 0, 3600, '/h', 'spikes: one reading off by ± spikeMagnitude'),
      spikeMagnitude: num(f.spikeMagnitude, 0, 1e6, unit, 'size of a spike'),
      dropoutRatePerHour: num(f.dropoutRatePerHour, 0, 3600, '/h', 'dropouts: the reading is null'),
    })
    .strict()
    .default(f)
    .describe('sensor faults, all off by default');
  return z
    .object({
      noiseSd: num(d.noiseSd, 0, 1e6, unit, 'Gaussian measurement noise, standard deviation'),
      bits: count(d.bits, 0, 24, 'bits', 'ADC resolution over [rangeMin, rangeMax]; 0 = no quantisation'),
      rangeMin: num(d.rangeMin, -1e9, 1e9, unit, 'bottom of the measuring range (readings are clamped when rangeMax > rangeMin)'),
      rangeMax: num(d.rangeMax, -1e9, 1e9, unit, 'top of the measuring range'),
      offset: num(d.offset, -1e6, 1e6, unit, 'calibration offset'),
      driftPerDay: num(d.driftPerDay, -1e6, 1e6, `${unit}/day`, 'linear calibration drift per day of model time'),
      faults,
    })
    .strict();
}

/**
 * SensorParams as a model param (the model's main channel): every effect off unless the model (or the scenario)
 * switches it on, e.g. `sensor: { noiseSd: 0.1, faults: { dropoutRatePerHour: 0.5 } }`. Any other channel gets the
 * same effects from the fleet's `sensors:` map, applied by the runtime.
 */
export function sensorParamsSchema(unit: string, defaults: SensorDefaults = {}) {
  const d = { ...SENSOR_OFF, ...defaults, faults: { ...SENSOR_OFF.faults, ...defaults.faults } };
  return sensorObjectSchema(unit, defaults)
    .default(d)
    .describe(`sensor realism (noise, ADC, drift, faults) on the main channel, ${unit}`);
}

/** A fleet's `sensors:` entry for a channel in `unit`: sensor realism plus the decimals of the reported value. */
export function channelSensorSchema(unit: string) {
  return sensorObjectSchema(unit).extend({ decimals: count(2, 0, 6, '', 'decimals of the reported value') });
}

/** Battery-device duty cycle: awake `activeMs` per sample at `activeMa`, asleep at `sleepUa` µA otherwise. */
export interface DutyCycle {
  activeMs: number;
  activeMa: number;
  sleepUa: number;
}

export const dutyCycleParams = {
  activeMs: num(1500, 1, 600_000, 'ms', 'awake time per sample (measure + radio)'),
  activeMa: num(25, 0, 2000, 'mA', 'current while awake'),
  sleepUa: num(8, 0, 100_000, 'µA', 'current while asleep'),
};

/** Battery params of the battery block that models expose. */
export function batteryParams(capacityMah: number) {
  return {
    capacityMah: num(capacityMah, 1, 100_000, 'mAh', 'battery capacity at 25 °C (less in the cold)'),
    initialSocPercent: num(100, 1, 100, '%', 'state of charge at start (seeded ± 2 unless 100)'),
  };
}

/** Average current, mA, of one sample (wake) per period of `periodMs`. */
export function dutyCycleCurrentMa(d: DutyCycle, periodMs: number): number {
  if (!(periodMs > 0)) return d.sleepUa / 1000;
  const awake = Math.min(d.activeMs, periodMs);
  return (awake * d.activeMa + (periodMs - awake) * (d.sleepUa / 1000)) / periodMs;
}

/** Exact Ornstein–Uhlenbeck update toward 0 with stationary sd `sd` and time constant `tauMs`. */
export function ouStep(x: number, sd: number, tauMs: number, dtMs: number, rng: Rng): number {
  if (!(dtMs > 0) || !(sd > 0)) return x;
  const a = tauMs > 0 ? Math.exp(-dtMs / tauMs) : 0;
  return x * a + rng.normal(0, sd * Math.sqrt(1 - a * a));
}

/** Round to `decimals` places (the sensor's resolution); null (a dropout) stays null. */
export function round(v: number, decimals: number): number;
export function round(v: number | null, decimals: number): number | null;
export function round(v: number | null, decimals: number): number | null {
  if (v === null) return null;
  const f = 10 ** decimals;
  const r = Math.round(v * f) / f;
  return r === 0 ? 0 : r; // no -0 in telemetry
}

export const notFound = (command: DeviceCommand): CommandResult => ({ status: 404, payload: { error: `unknown command "${command.name}"` } });
export const ok = (payload: unknown): CommandResult => ({ status: 200, payload });
export const badPayload = (error: string): CommandResult => ({ status: 400, payload: { error } });

/** A number field of a command payload within [min, max], or the message for a 400. */
export function payloadNumber(payload: unknown, key: string, min: number, max: number, unit: string): number | string {
  const v = payload !== null && typeof payload === 'object' ? (payload as Record<string, unknown>)[key] : undefined;
  if (typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max) return v;
  return `${key}: expected a number from ${min} to ${max} ${unit}; found ${v === undefined ? 'nothing' : found(v)}`;
}

/** Derived per-params data, computed once per params object (all devices of a fleet share it). */
export function perParams<P extends object, D>(derive: (p: P) => D): (p: P) => D {
  const cache = new WeakMap<P, D>();
  return (p) => {
    let d = cache.get(p);
    if (d === undefined) cache.set(p, (d = derive(p)));
    return d;
  };
}
