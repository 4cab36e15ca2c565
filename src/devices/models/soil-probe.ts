import { z } from '../../core/zod.js';
import type { DeviceModel } from '../model.js';
import { type BatteryParams, type BatteryState, DEFAULTS as BATTERY, initBattery, stepBattery } from '../physics/battery.js';
import { type SensorParams, type SensorState, initSensor, readSensor } from '../physics/sensor.js';
import { DEFAULTS as SOIL, type SoilParams, type SoilState, initSoil, stepSoil } from '../physics/soil.js';
import { DAY_MS, dailySinusoid, OuStepper } from '../physics/util.js';
import { type DutyCycle, batteryParams, dutyCycleCurrentMa, dutyCycleParams, notFound, num, ok, perParams, round, sensorParamsSchema } from './common.js';

/** The OU step with its decay remembered for the last interval (see OuStepper). */
const weatherOu = new OuStepper();

const params = z
  .object({
    wiltingPointPercent: num(SOIL.wiltingPointPercent, 1, 40, '%VWC', 'wilting point (volumetric water content)'),
    fieldCapacityPercent: num(SOIL.fieldCapacityPercent, 5, 55, '%VWC', 'field capacity'),
    etMmPerDay: num(SOIL.etMmPerDay, 0, 15, 'mm/day', 'potential evapotranspiration (daytime half-sine)'),
    irrigationHour: num(SOIL.irrigationHour, -1, 23, 'h UTC', 'hour of the daily irrigation; -1 = none', true),
    irrigationMm: num(SOIL.irrigationMm, 0, 100, 'mm', 'water per irrigation'),
    rainPerDay: num(SOIL.rainPerDay, 0, 10, '/day', 'rain events per day (Poisson)'),
    rainMeanMm: num(SOIL.rainMeanMm, 0, 100, 'mm', 'mean rain depth per event (exponential)'),
    soilMeanC: num(10, -20, 40, '°C', 'daily mean soil temperature'),
    surfaceSwingC: num(8, 0, 30, '°C', 'half the daily swing at the surface (damped and delayed with depth)'),
    depthCm: num(10, 1, 100, 'cm', 'probe depth'),
    ...batteryParams(BATTERY.capacityMah),
    ...dutyCycleParams,
    sensor: sensorParamsSchema('%VWC', { noiseSd: 0.3 }),
  })
  .strict()
  .refine((p) => p.fieldCapacityPercent > p.wiltingPointPercent, {
    message: 'fieldCapacityPercent: expected more %VWC than wiltingPointPercent',
    path: ['fieldCapacityPercent'],
  });
type Params = z.infer<typeof params>;

/** Damping depth of the daily temperature wave in moist soil, cm. */
const DAMPING_CM = 12;

interface Config {
  soil: SoilParams;
  bat: BatteryParams;
  duty: DutyCycle;
  sensor: SensorParams;
  meanC: number;
  /** Daily amplitude and peak hour (UTC) at the probe's depth. */
  ampC: number;
  peakHour: number;
}

interface State {
  c: Config;
  soil: SoilState;
  bat: BatteryState;
  probe: SensorState;
  weatherC: number;
  moisture: number | null;
  soilTemperature: number;
}

const configOf = perParams((p: Params): Config => {
  const ratio = p.depthCm / DAMPING_CM;
  return {
    soil: {
      ...SOIL,
      wiltingPointPercent: p.wiltingPointPercent,
      fieldCapacityPercent: p.fieldCapacityPercent,
      saturationPercent: Math.max(SOIL.saturationPercent, p.fieldCapacityPercent + 8),
      etMmPerDay: p.etMmPerDay,
      irrigationHour: p.irrigationHour,
      irrigationMm: p.irrigationMm,
      rainPerDay: p.rainPerDay,
      rainMeanMm: p.rainMeanMm,
    },
    bat: { ...BATTERY, capacityMah: p.capacityMah, initialSocPercent: p.initialSocPercent },
    duty: { activeMs: p.activeMs, activeMa: p.activeMa, sleepUa: p.sleepUa },
    sensor: p.sensor,
    meanC: p.soilMeanC,
    ampC: p.surfaceSwingC * Math.exp(-ratio),
    peakHour: 14 + (ratio * 24) / (2 * Math.PI),
  };
});

const soilC = (s: State, nowMs: number): number => dailySinusoid(nowMs, s.c.meanC, s.c.ampC, s.c.peakHour) + s.weatherC;

/**
 * A buried soil-moisture probe (soil block: daytime evapotranspiration, irrigation and rain, drainage above field
 * capacity) with soil temperature as the daily surface wave damped and delayed with depth, on a battery that sleeps
 * between readings (battery block; one wake of activeMs at activeMa per reading, sleepUa otherwise).
 */
export const soilProbe: DeviceModel<Params, State> = {
  name: 'soil-probe',
  description: 'battery soil probe: volumetric moisture with irrigation and rain, soil temperature, battery',
  params,
  channels: {
    moisture: { unit: '%VWC', description: 'volumetric water content (0.1 %)' },
    soilTemperature: { unit: '°C', description: 'soil temperature at the probe depth (0.1 °C)' },
    batteryVoltage: { unit: 'V', description: 'battery terminal voltage under load (0.01 V)' },
    batterySoc: { unit: '%', description: 'battery state of charge (0.1 %)' },
  },
  init({ params: p, rng }) {
    const c = configOf(p);
    const soil = initSoil(c.soil, rng);
    return { c, soil, bat: initBattery(c.bat, rng), probe: initSensor(c.sensor, rng), weatherC: 0, moisture: round(soil.moisturePercent, 1), soilTemperature: c.meanC };
  },
  step(s, nowMs, dtMs, rng) {
    if (s.bat.dead || !(dtMs > 0)) return s;
    stepSoil(s.soil, s.c.soil, nowMs, dtMs, rng);
    s.weatherC = weatherOu.step(s.weatherC, 1.5, 3 * DAY_MS, dtMs, rng);
    const t = soilC(s, nowMs);
    stepBattery(s.bat, s.c.bat, dutyCycleCurrentMa(s.c.duty, dtMs), t, nowMs, dtMs, rng);
    if (s.bat.dead) return s;
    s.moisture = round(readSensor(s.probe, s.c.sensor, s.soil.moisturePercent, nowMs, dtMs, rng), 1);
    s.soilTemperature = round(t, 1);
    return s;
  },
  read: (s) => ({
    moisture: s.moisture,
    soilTemperature: s.soilTemperature,
    batteryVoltage: round(s.bat.voltageV, 2),
    batterySoc: round(s.bat.socPercent, 1),
  }),
  dead: (s) => s.bat.dead,
  onCommand(s, command) {
    if (command.name !== 'getDiagnostics') return notFound(command);
    return ok({
      moisturePercent: round(s.soil.moisturePercent, 2),
      irrigations: s.soil.irrigations,
      rainEvents: s.soil.rainEvents,
      batteryDead: s.bat.dead,
      socPercent: round(s.bat.socPercent, 2),
    });
  },
};
