import type { AnyDeviceModel } from './model.js';
import { thermostat } from './models/thermostat.js';

const BUILT_IN: readonly AnyDeviceModel[] = [thermostat];
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
