import { z } from '../../core/zod.js';
import type { DeviceModel } from '../model.js';
import { type HumidityParams, type HumidityState, initHumidity, saturationVapourPressureHPa, stepHumidity } from '../physics/humidity.js';
import { COLD_ROOM } from '../physics/thermal.js';
import { type ColdState, coldCommand, coldDiagnostics, coldParamsShape, initCold, stepCold } from './cold.js';
import { notFound, num, perParams, round } from './common.js';

const SETPOINT_RANGE = [-5, 15] as const;
const params = z
  .object({
    ...coldParamsShape(COLD_ROOM, SETPOINT_RANGE, 0.05),
    humidityPercent: num(80, 20, 98, '%RH', 'relative humidity the room settles to at the setpoint (produce breathing, evaporator drying)'),
    humidityRelaxHours: num(1.5, 0.1, 100, 'h', 'time constant of the moisture balance'),
    doorMoistureFraction: num(0.02, 0, 1, '', 'share of the room air a door opening swaps for ambient air at 50 %RH'),
  })
  .strict();
type Params = z.infer<typeof params>;

interface State extends ColdState {
  hum: HumidityState;
  hp: HumidityParams;
  doorMix: number;
  ambientC: number;
  doorsSeen: number;
  humidity: number;
}

const humidityOf = perParams(
  (p: Params): HumidityParams => ({ targetRhPercent: p.humidityPercent, targetAtC: p.setpointC, relaxHours: p.humidityRelaxHours, noiseHPaPerSqrtHour: 0.05 }),
);

/**
 * A walk-in cold room (thermal block, COLD_ROOM preset: 4 °C ± 1, busier door) with relative humidity from a conserved
 * vapour pressure: RH rises as the compressor cools the air and falls as it warms, and each door opening lets in
 * room air.
 */
export const coldRoom: DeviceModel<Params, State> = {
  name: 'cold-room',
  description: 'walk-in cold room at 4 °C: compressor with hysteresis, door openings, humidity coupled to temperature',
  params,
  channels: {
    temperature: { unit: '°C', description: 'air temperature in the room (probe, 0.1 °C)' },
    humidity: { unit: '%RH', description: 'relative humidity (0.1 %RH)' },
    compressor: { unit: 'on/off', description: 'compressor running' },
    doorOpenings: { unit: 'count', description: 'door openings since start' },
  },
  init({ params: p, rng }) {
    const cold = initCold(p, rng);
    const hum = initHumidity(humidityOf(p), cold.th.temperatureC, rng);
    // One object literal (not a spread of `cold`): every device's state then has one hidden class, so the step's
    // property accesses stay monomorphic. Same fields in the same order as the spread gave.
    return {
      th: cold.th,
      tp: cold.tp,
      sp: cold.sp,
      probe: cold.probe,
      ageMs: cold.ageMs,
      temperature: cold.temperature,
      hum,
      hp: humidityOf(p),
      doorMix: p.doorMoistureFraction,
      ambientC: p.ambientC,
      doorsSeen: 0,
      humidity: round(hum.rhPercent, 1),
    };
  },
  step(s, nowMs, dtMs, rng) {
    stepCold(s, nowMs, dtMs, rng);
    const doors = s.th.doorOpenings - s.doorsSeen;
    if (doors > 0) {
      const ambientE = 0.5 * saturationVapourPressureHPa(s.ambientC);
      s.hum.vapourPressureHPa += (ambientE - s.hum.vapourPressureHPa) * (1 - (1 - s.doorMix) ** doors);
      s.doorsSeen = s.th.doorOpenings;
    }
    stepHumidity(s.hum, s.hp, s.th.temperatureC, nowMs, dtMs, rng);
    s.humidity = round(s.hum.rhPercent, 1);
    return s;
  },
  read: (s) => ({ temperature: s.temperature, humidity: s.humidity, compressor: s.th.on, doorOpenings: s.th.doorOpenings }),
  onCommand(s, command) {
    if (command.name === 'getDiagnostics') return { status: 200, payload: { ...coldDiagnostics(s), humidityPercent: round(s.hum.rhPercent, 1) } };
    return coldCommand(s, command, SETPOINT_RANGE, notFound(command));
  },
};
