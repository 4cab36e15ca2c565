/** The refrigerated space that cold-chain-freezer and cold-room share: thermal block + controller + door + probe. */
import type { Rng } from '../../core/rng.js';
import { z } from '../../core/zod.js';
import type { CommandResult, DeviceCommand } from '../model.js';
import { type SensorParams, type SensorState, initSensor, readSensor } from '../physics/sensor.js';
import { type ThermalParams, type ThermalState, initThermal, stepThermal } from '../physics/thermal.js';
import { badPayload, num, ok, payloadNumber, perParams, round, sensorParamsSchema } from './common.js';

const startError = (iss: { input?: unknown }): string => `expected a number from -60 to 60 °C, or null; found ${JSON.stringify(iss.input)}`;

/** The params of a refrigerated space, with defaults from a thermal preset. */
export function coldParamsShape(preset: ThermalParams, setpointRange: readonly [number, number], noiseSd: number) {
  return {
    setpointC: num(preset.setpointC, setpointRange[0], setpointRange[1], '°C', 'controller setpoint'),
    hysteresisC: num(preset.hysteresisC, 0.1, 5, '°C', 'half-width of the controller band: the compressor starts at setpoint + this, stops at setpoint − this'),
    doorRatePerHour: num(preset.doorRatePerHour, 0, 60, '/h', 'door openings per hour (Poisson); 0 = always shut'),
    doorHeatC: num(preset.doorHeatC, 0, 10, '°C', 'mean warming per door opening'),
    ambientC: num(preset.ambientMeanC, -20, 50, '°C', 'daily mean of the room around the space'),
    ambientSwingC: num(preset.ambientAmplitudeC, 0, 20, '°C', 'half the daily swing of the room around the space (warmest at 15:00 UTC)'),
    insulationTauMinutes: num(preset.tauMinutes, 10, 100_000, 'min', 'time constant toward ambient with the compressor off (insulation × thermal mass)'),
    evaporatorC: num(preset.actuatorTargetC, -60, 10, '°C', 'temperature the running compressor pulls the space toward'),
    coolingTauMinutes: num(preset.actuatorTauMinutes, 1, 10_000, 'min', 'time constant of the compressor pull'),
    startC: z
      .number({ error: startError })
      .min(-60, { error: startError })
      .max(60, { error: startError })
      .nullable()
      .default(null)
      .describe('temperature at start (e.g. after a power cut), °C (-60–60); null = inside the band (seeded)'),
    sensor: sensorParamsSchema('°C', { noiseSd }),
  };
}

export interface ColdParams {
  setpointC: number;
  hysteresisC: number;
  doorRatePerHour: number;
  doorHeatC: number;
  ambientC: number;
  ambientSwingC: number;
  insulationTauMinutes: number;
  evaporatorC: number;
  coolingTauMinutes: number;
  startC: number | null;
  sensor: SensorParams;
}

export interface ColdState {
  th: ThermalState;
  /** Thermal params: shared by the fleet until a setSetpoint gives this device its own copy. */
  tp: ThermalParams;
  sp: SensorParams;
  probe: SensorState;
  ageMs: number;
  /** Last probe reading, °C; null = dropout. */
  temperature: number | null;
}

const thermalOf = perParams(
  (p: ColdParams): ThermalParams => ({
    mode: 'cool',
    tauMinutes: p.insulationTauMinutes,
    ambientMeanC: p.ambientC,
    ambientAmplitudeC: p.ambientSwingC,
    ambientPeakHour: 15,
    setpointC: p.setpointC,
    hysteresisC: p.hysteresisC,
    actuatorTargetC: p.evaporatorC,
    actuatorTauMinutes: p.coolingTauMinutes,
    doorRatePerHour: p.doorRatePerHour,
    doorHeatC: p.doorHeatC,
  }),
);

export function initCold(p: ColdParams, rng: Rng): ColdState {
  const tp = thermalOf(p);
  const th = initThermal(tp, rng);
  if (p.startC !== null) {
    th.temperatureC = p.startC;
    th.on = p.startC > p.setpointC; // the controller sees a warm space and starts
  }
  return { th, tp, sp: p.sensor, probe: initSensor(p.sensor, rng), ageMs: 0, temperature: round(th.temperatureC, 1) };
}

export function stepCold(s: ColdState, nowMs: number, dtMs: number, rng: Rng): void {
  stepThermal(s.th, s.tp, nowMs, dtMs, rng);
  if (dtMs > 0) s.ageMs += dtMs;
  s.temperature = round(readSensor(s.probe, s.sp, s.th.temperatureC, nowMs, dtMs, rng), 1);
}

/** setSetpoint ({setpointC} within the model's range) and getDiagnostics. */
export function coldCommand(s: ColdState, command: DeviceCommand, range: readonly [number, number], notFound: CommandResult): CommandResult {
  if (command.name === 'setSetpoint') {
    const v = payloadNumber(command.payload, 'setpointC', range[0], range[1], '°C');
    if (typeof v === 'string') return badPayload(v);
    s.tp = { ...s.tp, setpointC: v };
    return ok({ setpointC: v });
  }
  if (command.name === 'getDiagnostics') return ok(coldDiagnostics(s));
  return notFound;
}

export function coldDiagnostics(s: ColdState) {
  return {
    setpointC: s.tp.setpointC,
    temperatureC: round(s.th.temperatureC, 2),
    compressorOn: s.th.on,
    compressorDuty: s.ageMs > 0 ? round(s.th.onMs / s.ageMs, 3) : 0,
    compressorStarts: s.th.cycles,
    doorOpenings: s.th.doorOpenings,
    probeFaults: { spikes: s.probe.spikes, stuck: s.probe.stuckFaults, dropouts: s.probe.dropouts },
  };
}
