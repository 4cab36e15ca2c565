/**
 * Where fleets' models come from: the built-ins, the scenario's own `models:` section (composed in YAML), a composed
 * model file (*.model.yaml), or a TypeScript/JavaScript module, both by path relative to the scenario file.
 */
import { existsSync } from 'node:fs';
import { extname, relative, resolve } from 'node:path';
import { composedModelSchema, type ComposedModelDef } from '../devices/compose/index.js';
import type { AnyDeviceModel } from '../devices/model.js';
import { type ModelRef, modelOf } from '../devices/model-ref.js';
import { MODULE_EXTENSIONS } from '../devices/module-model.js';
import { getModel, modelNames } from '../devices/registry.js';
import { isMap, type CompileContext } from './compile-context.js';
import type { Diagnostic } from './diagnostics.js';
import { problem, type DocPath } from './issues.js';
import { readModelFile } from './model-file.js';
import { didYouMean, listAnd } from './wording.js';

export interface ResolvedModel {
  readonly ref: ModelRef;
  readonly model: AnyDeviceModel;
}

export interface ModelCatalog {
  /** The model a fleet names, or undefined after reporting why not (at `at`, the fleet's model key). */
  resolve(name: string, at: DocPath): ResolvedModel | undefined;
}

const MODEL_NAME = /^[a-z][a-z0-9-]*$/;
const MODEL_FILE = /\.model\.ya?ml$/i;

/** A path rather than a name: it has a folder separator or a model file / module extension. */
export function isModelPath(name: string): boolean {
  return name.includes('/') || name.includes('\\') || MODEL_FILE.test(name) || (MODULE_EXTENSIONS as readonly string[]).includes(extname(name).toLowerCase());
}

/** A model file (*.model.yaml) or module (.ts, .mts, .js, .mjs) rather than a scenario. */
export function isModelFile(path: string): boolean {
  return MODEL_FILE.test(path) || (MODULE_EXTENSIONS as readonly string[]).includes(extname(path).toLowerCase());
}

/** Module model paths a scenario's fleets name, resolved against its folder: what loadScenarioFile imports first. */
export function modulePaths(data: unknown, dir: string): string[] {
  const fleets = isMap(data) && Array.isArray(data.fleets) ? data.fleets : [];
  const out = new Set<string>();
  for (const f of fleets) {
    const name = isMap(f) && typeof f.model === 'string' ? f.model : undefined;
    if (name !== undefined && (MODULE_EXTENSIONS as readonly string[]).includes(extname(name).toLowerCase())) out.add(resolve(dir, name));
  }
  return [...out];
}

/**
 * Compile the `models:` section and return the catalog fleets resolve against. `moduleErrors` holds why a module
 * could not be imported (loadScenarioFile tried), by absolute path; file diagnostics go to `fileProblems`.
 */
export function compileModels(
  raw: unknown,
  ctx: CompileContext,
  moduleErrors: ReadonlyMap<string, string>,
  fileProblems: Diagnostic[],
): ModelCatalog {
  const own = new Map<string, ComposedModelDef>();
  if (isMap(raw)) {
    for (const [name, spec] of Object.entries(raw)) {
      const at: DocPath = ['models', name];
      if (!MODEL_NAME.test(name)) {
        ctx.report(problem(at, `expected a model name of lowercase letters, digits and -; found ${JSON.stringify(name)}`, undefined, 'key'));
        continue;
      }
      if (getModel(name) !== undefined) {
        ctx.report(problem(at, `${JSON.stringify(name)} is a built-in model; give yours another name`, undefined, 'key'));
        continue;
      }
      const parsed = ctx.mapper.parse(composedModelSchema, spec ?? {});
      if (parsed.ok) own.set(name, parsed.value);
      else for (const p of parsed.problems) ctx.report(problem([...at, ...p.path], p.message, p.hint, p.at));
    }
  }
  const broken = new Set(isMap(raw) ? Object.keys(raw).filter((n) => !own.has(n)) : []);

  const fromPath = (name: string, at: DocPath): ResolvedModel | undefined => {
    const abs = resolve(ctx.dir, name);
    const shown = relative(process.cwd(), abs) || abs;
    if (!existsSync(abs)) {
      ctx.report(problem(at, `model file not found: ${shown}`, 'paths are relative to the scenario file; a model file ends in .model.yaml, a module in .ts or .js'));
      return undefined;
    }
    if (MODEL_FILE.test(abs)) {
      const file = readModelFile(abs, shown);
      if (!file.ok) {
        fileProblems.push(...file.diagnostics);
        ctx.report(problem(at, `the model file ${shown} has problems (listed with their own lines)`));
        return undefined;
      }
      const { name: modelName, ...def } = file.def;
      const ref: ModelRef = { kind: 'composed', name: modelName, def };
      return { ref, model: modelOf(ref) as AnyDeviceModel };
    }
    if (!(MODULE_EXTENSIONS as readonly string[]).includes(extname(abs).toLowerCase())) {
      ctx.report(problem(at, `expected a model file ending in .model.yaml or a module ending in ${listAnd([...MODULE_EXTENSIONS])}; found ${JSON.stringify(name)}`));
      return undefined;
    }
    const ref: ModelRef = { kind: 'module', name: shown, path: abs };
    const model = modelOf(ref);
    if (model !== undefined) return { ref: { ...ref, name: model.name }, model };
    const why = moduleErrors.get(abs);
    ctx.report(
      problem(
        at,
        why === undefined ? `the model module ${shown} was not imported` : `cannot load the model module ${shown}: ${why}`,
        why === undefined ? 'module models load through a scenario file (fleetsim run, validate, preview), not from scenario text' : undefined,
      ),
    );
    return undefined;
  };

  return {
    resolve(name, at) {
      if (isModelPath(name)) return fromPath(name, at);
      const def = own.get(name);
      if (def !== undefined) {
        const ref: ModelRef = { kind: 'composed', name, def };
        return { ref, model: modelOf(ref) as AnyDeviceModel };
      }
      if (broken.has(name)) return undefined; // its own problems are reported under models:
      const builtin = getModel(name);
      if (builtin !== undefined) return { ref: { kind: 'builtin', name }, model: builtin };
      const mine = [...own.keys()];
      const hint = `built-in models: ${listAnd(modelNames())}${mine.length > 0 ? `; this scenario's models: ${listAnd(mine)}` : ''}; or a path to a .model.yaml file or a .ts/.js module`;
      ctx.report(problem(at, `unknown model ${JSON.stringify(name)}${didYouMean(name, [...modelNames(), ...mine])}`, hint));
      return undefined;
    },
  };
}
