import type { AnyDeviceModel } from './model.js';
import { airQuality } from './models/air-quality.js';
import { assetTracker } from './models/asset-tracker.js';
import { coldChainFreezer } from './models/cold-chain-freezer.js';
import { coldRoom } from './models/cold-room.js';
import { envSensor } from './models/env-sensor.js';
import { pumpVibration } from './models/pump-vibration.js';
import { smartMeter } from './models/smart-meter.js';
import { soilProbe } from './models/soil-probe.js';
import { thermostat } from './models/thermostat.js';

const BUILT_IN: readonly AnyDeviceModel[] = [thermostat, coldChainFreezer, coldRoom, pumpVibration, assetTracker, smartMeter, airQuality, soilProbe, envSensor];
const registry = new Map<string, AnyDeviceModel>(BUILT_IN.map((m) => [m.name, m]));

export function getModel(name: string): AnyDeviceModel | undefined {
  return registry.get(name);
}

export function modelNames(): string[] {
  return [...registry.keys()].sort();
}

export function listModels(): readonly AnyDeviceModel[] {
  return [...registry.values()];
}
