import { describeParams } from '../devices/describe.js';
import { listModels } from '../devices/registry.js';
import { table } from '../report/format.js';
import type { Terminal } from './terminal.js';

/** `fleetsim models`: every built-in model with its parameters (type, default, unit and range) and its channels. */
export function modelsCommand(args: { name: string | undefined; json: boolean }, term: Terminal): number {
  const models = listModels().filter((m) => args.name === undefined || m.name === args.name);
  if (models.length === 0) {
    term.err(`unknown model "${args.name}"; known models: ${listModels().map((m) => m.name).join(', ')}`);
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
