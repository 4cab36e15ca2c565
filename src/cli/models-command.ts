import { describeBlocks } from '../devices/compose/index.js';
import { describeParams } from '../devices/describe.js';
import { listModels } from '../devices/registry.js';
import { isModelPath } from '../scenario/compile-models.js';
import { loadModelFromPath } from '../scenario/model-file.js';
import { table } from '../report/format.js';
import type { Terminal } from './terminal.js';

/**
 * `fleetsim models`: every built-in model with its parameters (type, default, unit and range) and its channels; or
 * the model of a *.model.yaml file or .ts/.js module given by path.
 */
export async function modelsCommand(args: { name: string | undefined; json: boolean; blocks?: boolean }, term: Terminal): Promise<number> {
  if (args.blocks === true) return blocksCommand(args, term);
  const fromPath = args.name !== undefined && isModelPath(args.name) ? [await loadModelFromPath(args.name)] : undefined;
  const models = fromPath ?? listModels().filter((m) => args.name === undefined || m.name === args.name);
  if (models.length === 0) {
    term.err(`unknown model "${args.name}"; known models: ${listModels().map((m) => m.name).join(', ')}; or give the path of a .model.yaml file or a .ts/.js module`);
    return 2;
  }
  if (args.json) {
    const docs = models.map((m) => ({ name: m.name, description: m.description, params: describeParams(m), channels: m.channels }));
    term.out(`${JSON.stringify(docs, null, 2)}`);
    return 0;
  }
  const s = term.style;
  const blocks = models.map((m) => {
    const params = describeParams(m).map((p) => [`  ${p.name}`, p.type, p.default.length > 24 ? '(see --json)' : p.default, p.description]);
    const channels = Object.entries(m.channels).map(([n, c]) => [`  ${n}`, c.unit, c.description]);
    return [
      `${s.bold(m.name)}  ${m.description}`,
      s.dim('  params'),
      params.length > 0 ? table([['  name', 'type', 'default', 'meaning'], ...params], ['left', 'left', 'left', 'left']).join('\n') : '  (none)',
      s.dim('  channels'),
      table([['  name', 'unit', 'meaning'], ...channels], ['left', 'left', 'left']).join('\n'),
    ].join('\n');
  });
  term.out(blocks.join('\n\n'));
  return 0;
}

/** `fleetsim models --blocks`: the building blocks of composed models (YAML): inputs, params, outputs. */
function blocksCommand(args: { name: string | undefined; json: boolean }, term: Terminal): number {
  const all = describeBlocks();
  const docs = all.filter((b) => args.name === undefined || b.kind === args.name);
  if (docs.length === 0) {
    term.err(`unknown block kind "${args.name}"; known kinds: ${all.map((b) => b.kind).join(', ')}`);
    return 2;
  }
  if (args.json) {
    term.out(`${JSON.stringify(docs, null, 2)}`);
    return 0;
  }
  const s = term.style;
  const blocks = docs.map((b) => {
    const inputs = b.inputs.map((i) => [`  ${i.name}`, i.accepts, i.absent, i.description]);
    const params = b.params.map((p) => [`  ${p.name}`, p.type, p.default.length > 24 ? '(see --json)' : p.default, p.description]);
    const outputs = b.outputs.map((o) => [`  ${o.name}`, o.unit, o.description]);
    return [
      `${s.bold(b.kind)}  ${b.description}${b.hasUnit ? ' (unit: names the unit of its value)' : ''}`,
      s.dim('  inputs'),
      inputs.length > 0 ? table([['  name', 'accepts', 'absent', 'meaning'], ...inputs], ['left', 'left', 'left', 'left']).join('\n') : '  (none)',
      s.dim('  params'),
      table([['  name', 'type', 'default', 'meaning'], ...params], ['left', 'left', 'left', 'left']).join('\n'),
      s.dim('  outputs'),
      table([['  name', 'unit', 'meaning'], ...outputs], ['left', 'left', 'left']).join('\n'),
    ].join('\n');
  });
  term.out(blocks.join('\n\n'));
  return 0;
}
