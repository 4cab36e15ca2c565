import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { FleetsimError } from '../core/errors.js';
import { type ModelFileDef, modelFileSchema } from '../devices/compose/index.js';
import type { AnyDeviceModel } from '../devices/model.js';
import { loadModel } from '../devices/model-ref.js';
import { importModelModule } from '../devices/module-model.js';
import { ScenarioError, formatPath, type Diagnostic } from './diagnostics.js';
import { IssueMapper } from './issues.js';
import { parseYaml } from './yaml.js';

/** A model file read and checked: its definition, or every problem in it at file:line:col. */
export type ModelFileResult = { readonly ok: true; readonly def: ModelFileDef } | { readonly ok: false; readonly diagnostics: Diagnostic[] };

const cache = new Map<string, { text: string; result: ModelFileResult }>();

/**
 * Read a composed model file (*.model.yaml: name, description, blocks, channels, dead). Positions point into the
 * model file itself, so a mistake there is reported where it is, whichever scenario uses the model.
 */
export function readModelFile(absPath: string, shownAs: string = absPath): ModelFileResult {
  let text: string;
  try {
    text = readFileSync(absPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (err as Error).message;
    return { ok: false, diagnostics: [{ file: shownAs, line: 1, col: 1, path: '', message: `cannot read the model file: ${why}` }] };
  }
  const hit = cache.get(absPath);
  if (hit !== undefined && hit.text === text) return hit.result;
  const result = checkModelText(text, shownAs);
  cache.set(absPath, { text, result });
  return result;
}

function checkModelText(text: string, file: string): ModelFileResult {
  const yaml = parseYaml(text);
  if (yaml.problems.length > 0) {
    return { ok: false, diagnostics: yaml.problems.map((p) => ({ file, line: p.line, col: p.col, path: '', message: p.message, ...(p.hint === undefined ? {} : { hint: p.hint }) })) };
  }
  const parsed = new IssueMapper().parse(modelFileSchema, yaml.data ?? {});
  if (parsed.ok) return { ok: true, def: parsed.value };
  return {
    ok: false,
    diagnostics: parsed.problems.map((p) => {
      const { line, col } = yaml.locate(p.path, p.at);
      return { file, line, col, path: formatPath(p.path), message: p.message, ...(p.hint === undefined ? {} : { hint: p.hint }) };
    }),
  };
}

/**
 * The model at a path (a *.model.yaml file or a .ts/.js module), for commands that take one directly (models,
 * preview). Throws ScenarioError for a model file's problems, FleetsimError when a module cannot be used.
 */
export async function loadModelFromPath(path: string): Promise<AnyDeviceModel> {
  const abs = resolve(path);
  if (!existsSync(abs)) {
    throw new FleetsimError('FLEETSIM_E_USAGE', `model file not found: ${path}`, { hint: 'a model file ends in .model.yaml, a model module in .ts or .js' });
  }
  if (/\.model\.ya?ml$/i.test(abs)) {
    const file = readModelFile(abs, path);
    if (!file.ok) throw new ScenarioError(file.diagnostics, { message: `invalid model file ${path}: ${count(file.diagnostics.length)}` });
    const { name, ...def } = file.def;
    return loadModel({ kind: 'composed', name, def });
  }
  try {
    return await importModelModule(abs);
  } catch (err) {
    throw new FleetsimError('FLEETSIM_E_USAGE', `cannot load the model module ${path}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`, {
      hint: 'a model module exports a DeviceModel as `model` or as the default export (see scenarios/models/solar-panel.ts)',
    });
  }
}

const count = (n: number): string => (n === 1 ? '1 problem' : `${n} problems`);
