import { z } from '../../core/zod.js';
import type { DeviceModel } from '../model.js';
import { type Co2Params, type Co2State, DEFAULTS as CO2, initCo2, stepCo2 } from '../physics/co2.js';
import { DEFAULTS as HUMIDITY, type HumidityParams, type HumidityState, initHumidity, stepHumidity } from '../physics/humidity.js';
import { type SensorParams, type SensorState, initSensor, readSensor } from '../physics/sensor.js';
import { DEFAULTS as ROOM, type ThermalParams, type ThermalState, initThermal, stepThermal } from '../physics/thermal.js';
import { badPayload, count, notFound, num, ok, payloadNumber, perParams, round, sensorParamsSchema } from './common.js';

const SETPOINT_RANGE = [5, 30] as const;
const params = z
  .object({
    volumeM3: num(CO2.volumeM3, 5, 100_000, 'm³', 'room volume'),
    ventilationAch: num(CO2.airChangesPerHour, 0.05, 30, '/h', 'ventilation, air changes per hour'),
    occupancy: count(CO2.capacityPeople, 0, 10_000, 'people', 'people at full occupancy (office schedule, weekdays 08–18 UTC)'),
    weekendOccupancy: num(CO2.weekendFactor, 0, 1, '', 'weekend occupancy as a fraction of a weekday'),
    outdoorCo2Ppm: num(CO2.outdoorPpm, 350, 1000, 'ppm', 'outdoor CO2'),
    setpointC: num(ROOM.setpointC, SETPOINT_RANGE[0], SETPOINT_RANGE[1], '°C', 'heating setpoint'),
    outdoorC: num(ROOM.ambientMeanC, -30, 40, '°C', 'daily mean outdoor temperature'),
    humidityPercent: num(HUMIDITY.targetRhPercent, 10, 90, '%RH', 'relative humidity the room settles to at 21 °C'),
    sensor: sensorParamsSchema('ppm', { noiseSd: 8 }),
  })
  .strict();
type Params = z.infer<typeof params>;

interface Config {
  co2: Co2Params;
  hum: HumidityParams;
  sensor: SensorParams;
}

interface State {
  c: Config;
  tp: ThermalParams;
  co2: Co2State;
  th: ThermalState;
  hum: HumidityState;
  probe: SensorState;
  ppm: number | null;
}

const configOf = perParams(
  (p: Params): Config => ({
    co2: {
      ...CO2,
      volumeM3: p.volumeM3,
      airChangesPerHour: p.ventilationAch,
      capacityPeople: p.occupancy,
      weekendFactor: p.weekendOccupancy,
      outdoorPpm: p.outdoorCo2Ppm,
    },
    hum: { ...HUMIDITY, targetRhPercent: p.humidityPercent },
    sensor: p.sensor,
  }),
);
const thermalOf = perParams((p: Params): ThermalParams => ({ ...ROOM, setpointC: p.setpointC, ambientMeanC: p.outdoorC }));

/**
 * An indoor air-quality monitor in an office room: CO2 from a seeded head count on an office schedule and the
 * ventilation rate (co2 block), room temperature under a heater with hysteresis (thermal block) and relative
 * humidity of the room air (humidity block). The CO2 channel is an NDIR sensor with 8 ppm noise.
 */
export const airQuality: DeviceModel<Params, State> = {
  name: 'air-quality',
  description: 'indoor air-quality monitor: CO2 from occupancy and ventilation, heated room temperature, humidity',
  params,
  channels: {
    co2Ppm: { unit: 'ppm', description: 'CO2 concentration (NDIR, 1 ppm)' },
    temperature: { unit: '°C', description: 'room temperature (0.1 °C)' },
    humidity: { unit: '%RH', description: 'relative humidity (0.1 %RH)' },
  },
  init({ params: p, rng }) {
    const c = configOf(p);
    const tp = thermalOf(p);
    const th = initThermal(tp, rng);
    const co2 = initCo2(c.co2, rng);
    const hum = initHumidity(c.hum, th.temperatureC, rng);
    return { c, tp, co2, th, hum, probe: initSensor(c.sensor, rng), ppm: co2.ppm };
  },
  step(s, nowMs, dtMs, rng) {
    stepCo2(s.co2, s.c.co2, nowMs, dtMs, rng);
    stepThermal(s.th, s.tp, nowMs, dtMs, rng);
    stepHumidity(s.hum, s.c.hum, s.th.temperatureC, nowMs, dtMs, rng);
    s.ppm = readSensor(s.probe, s.c.sensor, s.co2.ppm, nowMs, dtMs, rng);
    return s;
  },
  read: (s) => ({ co2Ppm: round(s.ppm, 0), temperature: round(s.th.temperatureC, 1), humidity: round(s.hum.rhPercent, 1) }),
  onCommand(s, command) {
    if (command.name === 'setSetpoint') {
      const v = payloadNumber(command.payload, 'setpointC', SETPOINT_RANGE[0], SETPOINT_RANGE[1], '°C');
      if (typeof v === 'string') return badPayload(v);
      s.tp = { ...s.tp, setpointC: v };
      return ok({ setpointC: v });
    }
    if (command.name !== 'getDiagnostics') return notFound(command);
    return ok({ occupants: s.co2.occupants, co2Ppm: round(s.co2.ppm, 1), heating: s.th.on, setpointC: s.tp.setpointC, heaterStarts: s.th.cycles });
  },
};
