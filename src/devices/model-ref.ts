import { composeModel } from './compose/index.js';
import type { ComposedModelDef } from './compose/index.js';
import type { AnyDeviceModel } from './model.js';
import { importModelModule, importedModelModule } from './module-model.js';
import { getModel } from './registry.js';

/**
 * Where a fleet's model comes from, as plain data that crosses to worker threads: a built-in, a composed definition
 * (a scenario's `models:` entry or a *.model.yaml file), or a TypeScript/JavaScript module path.
 */
export type ModelRef =
  | { readonly kind: 'builtin'; readonly name: string }
  | { readonly kind: 'composed'; readonly name: string; readonly def: ComposedModelDef }
  | { readonly kind: 'module'; readonly name: string; readonly path: string };

const composed = new Map<string, { def: ComposedModelDef; model: AnyDeviceModel }>();

/** The model of a ref, synchronously: modules must have been imported in this thread (see loadModel). */
export function modelOf(ref: ModelRef): AnyDeviceModel | undefined {
  switch (ref.kind) {
    case 'builtin':
      return getModel(ref.name);
    case 'composed': {
      // One model per definition and thread; a structured clone of the same definition composes again (cheap).
      const hit = composed.get(ref.name);
      if (hit !== undefined && hit.def === ref.def) return hit.model;
      const model = composeModel(ref.name, ref.def);
      composed.set(ref.name, { def: ref.def, model });
      return model;
    }
    case 'module':
      return importedModelModule(ref.path);
  }
}

/** The model of a ref, importing a module first when needed (workers, preview). */
export async function loadModel(ref: ModelRef): Promise<AnyDeviceModel> {
  if (ref.kind === 'module') return importModelModule(ref.path);
  const model = modelOf(ref);
  if (model === undefined) throw new Error(`unknown model "${ref.name}"`);
  return model;
}
