import { z } from '../../core/zod.js';
import type { DeviceModel } from '../model.js';
import { FREEZER } from '../physics/thermal.js';
import { type ColdState, coldCommand, coldParamsShape, initCold, stepCold } from './cold.js';
import { notFound } from './common.js';

const SETPOINT_RANGE = [-40, -5] as const;
const params = z.object(coldParamsShape(FREEZER, SETPOINT_RANGE, 0.05)).strict();
type Params = z.infer<typeof params>;

/**
 * A walk-in freezer (thermal block, FREEZER preset): an RC space in a 20 °C room, a compressor switching at
 * setpoint ± hysteresis, Poisson door openings that warm it, and a probe with 0.05 °C noise read at 0.1 °C.
 */
export const coldChainFreezer: DeviceModel<Params, ColdState> = {
  name: 'cold-chain-freezer',
  description: 'walk-in freezer at −18 °C: compressor with hysteresis, door openings, temperature probe',
  params,
  channels: {
    temperature: { unit: '°C', description: 'air temperature in the freezer (probe, 0.1 °C)' },
    compressor: { unit: 'on/off', description: 'compressor running' },
    doorOpenings: { unit: 'count', description: 'door openings since start' },
  },
  init: ({ params: p, rng }) => initCold(p, rng),
  step(s, nowMs, dtMs, rng) {
    stepCold(s, nowMs, dtMs, rng);
    return s;
  },
  read: (s) => ({ temperature: s.temperature, compressor: s.th.on, doorOpenings: s.th.doorOpenings }),
  onCommand: (s, command) => coldCommand(s, command, SETPOINT_RANGE, notFound(command)),
};
