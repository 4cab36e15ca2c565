import { z } from '../../core/zod.js';
import type { DeviceModel } from '../model.js';
import { type BatteryParams, type BatteryState, DEFAULTS as BATTERY, initBattery, stepBattery } from '../physics/battery.js';
import { DEFAULTS as HUMIDITY, type HumidityParams, type HumidityState, initHumidity, stepHumidity } from '../physics/humidity.js';
import { DEFAULTS as PRESSURE, type PressureParams, type PressureState, initPressure, stepPressure } from '../physics/pressure.js';
import { type SensorParams, type SensorState, initSensor, readSensor } from '../physics/sensor.js';
import { DEFAULTS as ROOM, type ThermalParams, type ThermalState, initThermal, stepThermal } from '../physics/thermal.js';
import { DAY_MS, OuStepper } from '../physics/util.js';
import { type DutyCycle, batteryParams, dutyCycleCurrentMa, dutyCycleParams, notFound, num, ok, perParams, round, sensorParamsSchema } from './common.js';

/** The OU step with its decay remembered for the last interval (see OuStepper). */
const weatherOu = new OuStepper();

const params = z
  .object({
    location: z
      .enum(['outdoor', 'indoor'], { error: (iss) => `expected "outdoor" or "indoor"; found ${JSON.stringify(iss.input)}` })
      .default('outdoor')
      .describe('outdoor: a radiation shield following the air (15-minute lag); indoor: an unheated room (5-hour lag)'),
    meanC: num(8, -40, 40, '°C', 'daily mean outdoor temperature'),
    swingC: num(5, 0, 20, '°C', 'half the daily swing outdoors (warmest at 15:00 UTC)'),
    weatherSdC: num(3, 0, 15, '°C', 'day-to-day weather anomaly, standard deviation (3-day correlation)'),
    humidityPercent: num(70, 10, 100, '%RH', 'relative humidity the air settles to at the daily mean temperature'),
    pressureHPa: num(PRESSURE.meanHPa, 500, 1100, 'hPa', 'long-term mean station pressure'),
    ...batteryParams(BATTERY.capacityMah),
    ...dutyCycleParams,
    sensor: sensorParamsSchema('°C', { noiseSd: 0.05 }),
  })
  .strict();
type Params = z.infer<typeof params>;

interface Config {
  th: ThermalParams;
  hum: HumidityParams;
  pres: PressureParams;
  bat: BatteryParams;
  duty: DutyCycle;
  sensor: SensorParams;
  weatherSdC: number;
}

interface State {
  c: Config;
  th: ThermalState;
  weatherC: number;
  hum: HumidityState;
  pres: PressureState;
  bat: BatteryState;
  probe: SensorState;
  /** Average current of the last step, mA. */
  currentMa: number;
  /** Last readings: frozen once the battery is dead. */
  temperature: number | null;
  humidity: number;
  pressure: number;
  batteryVoltage: number;
  batterySoc: number;
}

const configOf = perParams((p: Params): Config => {
  const outdoor = p.location === 'outdoor';
  // No actuator: a heater whose band is never reached and that pulls nothing.
  const th: ThermalParams = {
    ...ROOM,
    tauMinutes: outdoor ? 15 : 300,
    ambientMeanC: p.meanC,
    ambientAmplitudeC: p.swingC,
    setpointC: -273.15,
    hysteresisC: 0,
    actuatorTauMinutes: 0,
    doorRatePerHour: 0,
  };
  return {
    th,
    hum: { ...HUMIDITY, targetRhPercent: p.humidityPercent, targetAtC: p.meanC, relaxHours: outdoor ? 3 : 12 },
    pres: { ...PRESSURE, meanHPa: p.pressureHPa },
    bat: { ...BATTERY, capacityMah: p.capacityMah, initialSocPercent: p.initialSocPercent },
    duty: { activeMs: p.activeMs, activeMa: p.activeMa, sleepUa: p.sleepUa },
    sensor: p.sensor,
    weatherSdC: outdoor ? p.weatherSdC : p.weatherSdC / 3,
  };
});

const airC = (s: State): number => s.th.temperatureC + s.weatherC;

/**
 * A battery-powered environmental sensor (temperature, humidity, pressure) that wakes once per reading: the battery
 * drains by the duty cycle (activeMs at activeMa per reading, sleepUa in between; capacity shrinks in the cold).
 * Once the battery block reports dead the device stops measuring: read() repeats the last values with
 * batteryDead: true (a runtime may stop such devices).
 */
export const envSensor: DeviceModel<Params, State> = {
  name: 'env-sensor',
  description: 'battery environmental sensor: temperature, humidity, pressure; drains by its duty cycle until dead',
  params,
  channels: {
    temperature: { unit: '°C', description: 'air temperature (0.01 °C)' },
    humidity: { unit: '%RH', description: 'relative humidity (0.1 %RH)' },
    pressure: { unit: 'hPa', description: 'station pressure (0.1 hPa)' },
    batteryVoltage: { unit: 'V', description: 'battery terminal voltage under load (0.01 V)' },
    batterySoc: { unit: '%', description: 'battery state of charge (0.1 %)' },
    batteryDead: { unit: 'flag', description: 'battery below cutoff: the values are the last ones measured' },
  },
  init({ params: p, rng }) {
    const c = configOf(p);
    const th = initThermal(c.th, rng);
    th.temperatureC = p.meanC;
    const weatherC = rng.normal(0, c.weatherSdC);
    const hum = initHumidity(c.hum, th.temperatureC, rng);
    const pres = initPressure(c.pres, rng);
    const bat = initBattery(c.bat, rng);
    const s: State = { c, th, weatherC, hum, pres, bat, probe: initSensor(c.sensor, rng), currentMa: 0, temperature: null, humidity: 0, pressure: 0, batteryVoltage: 0, batterySoc: 0 };
    return measure(s, hum.rhPercent, pres.pressureHPa, airC(s));
  },
  step(s, nowMs, dtMs, rng) {
    if (s.bat.dead || !(dtMs > 0)) return s;
    stepThermal(s.th, s.c.th, nowMs, dtMs, rng);
    s.weatherC = weatherOu.step(s.weatherC, s.c.weatherSdC, 3 * DAY_MS, dtMs, rng);
    const t = airC(s);
    // Air masses bring their own moisture: RH follows the daily cycle, not the weather anomaly.
    stepHumidity(s.hum, s.c.hum, s.th.temperatureC, nowMs, dtMs, rng);
    stepPressure(s.pres, s.c.pres, nowMs, dtMs, rng);
    s.currentMa = dutyCycleCurrentMa(s.c.duty, dtMs);
    stepBattery(s.bat, s.c.bat, s.currentMa, t, nowMs, dtMs, rng);
    if (s.bat.dead) return s; // browned out before measuring: the last values stand
    s.temperature = round(readSensor(s.probe, s.c.sensor, t, nowMs, dtMs, rng), 2);
    return measure(s, s.hum.rhPercent, s.pres.pressureHPa, null);
  },
  read: (s) => ({
    temperature: s.temperature,
    humidity: s.humidity,
    pressure: s.pressure,
    batteryVoltage: s.batteryVoltage,
    batterySoc: s.batterySoc,
    batteryDead: s.bat.dead,
  }),
  dead: (s) => s.bat.dead,
  onCommand(s, command) {
    if (command.name !== 'getDiagnostics') return notFound(command);
    return ok({ batteryDead: s.bat.dead, socPercent: round(s.bat.socPercent, 2), usedMah: round(s.bat.usedMah, 2), averageCurrentMa: round(s.currentMa, 4) });
  },
};

function measure(s: State, rh: number, hPa: number, temperature: number | null): State {
  if (temperature !== null) s.temperature = round(temperature, 2);
  s.humidity = round(rh, 1);
  s.pressure = round(hPa, 1);
  s.batteryVoltage = round(s.bat.voltageV, 2);
  s.batterySoc = round(s.bat.socPercent, 1);
  return s;
}
