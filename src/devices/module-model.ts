/**
 * Device models written by users in TypeScript or JavaScript, loaded from a path. The one import site of tsx, whose
 * tsImport compiles TypeScript on the fly in any thread (main or worker), without a build step. A module exports its
 * DeviceModel as `model` or as the default export.
 */
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import type { AnyDeviceModel } from './model.js';

const loaded = new Map<string, AnyDeviceModel>();

export const MODULE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'] as const;

/** Import the model module at `absPath` (once per thread); throws an Error saying what is wrong with it. */
export async function importModelModule(absPath: string): Promise<AnyDeviceModel> {
  const cached = loaded.get(absPath);
  if (cached !== undefined) return cached;
  const url = pathToFileURL(absPath).href;
  const mod = (/\.m?ts$/i.test(absPath) ? await tsImport(url, import.meta.url) : await import(url)) as Record<string, unknown>;
  const model = pickModel(mod);
  if (model === undefined) {
    throw new Error('it exports no device model: export a DeviceModel (name, description, params, channels, init, step, read) as `model` or as the default export');
  }
  loaded.set(absPath, model);
  return model;
}

/** A module already imported in this thread, for the synchronous scenario compiler. */
export function importedModelModule(absPath: string): AnyDeviceModel | undefined {
  return loaded.get(absPath);
}

/** The model among a module's exports; a CommonJS-wrapped module nests them one level down. */
function pickModel(mod: Record<string, unknown>): AnyDeviceModel | undefined {
  const nested = isObject(mod.default) ? mod.default : {};
  return [mod.model, mod.default, nested.model, nested.default].find(isModel);
}

function isModel(v: unknown): v is AnyDeviceModel {
  if (!isObject(v)) return false;
  const params = v.params as { safeParse?: unknown } | undefined;
  return (
    typeof v.name === 'string' &&
    typeof v.init === 'function' &&
    typeof v.step === 'function' &&
    typeof v.read === 'function' &&
    isObject(v.channels) &&
    typeof params?.safeParse === 'function'
  );
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object';
}
