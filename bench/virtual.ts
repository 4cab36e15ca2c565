/**
 * Virtual-time throughput: how many telemetry samples per second this machine simulates, and memory per device.
 * Target (issue 3): 1,000,000 devices × 24 h at one sample a minute (1.44 billion samples) in under 25 minutes on
 * 2 cores, i.e. ≥ 0.96 million samples/s. Runs a smaller fleet and projects: projected = 1.44e9 ÷ measured samples/s.
 *
 * It measures what users run: the built package (dist/, plain tsc output, as bin/fleetsim.js loads it), so build
 * first. `--from src` runs the TypeScript sources through tsx instead (slower: tsx reads every imported binding
 * through a getter, in the worker threads too); only for comparisons.
 *
 *   npm run bench                    (build, then all benchmarks)
 *   npm run build && node --import tsx bench/virtual.ts [devices] [hours] [--models a,b] [--workers 1,2] [--from dist|src]
 */
import { availableParallelism, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { VIRTUAL_FOOTNOTES, type VirtualRow, assertFreshBuild, measureVirtual } from './virtual-measure.js';

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: { models: { type: 'string' }, workers: { type: 'string', default: '1,2' }, from: { type: 'string', default: 'dist' } },
});
const devices = Number(positionals[0] ?? 200_000);
const hours = Number(positionals[1] ?? 2);
const from = opts.from === 'src' ? 'src' : 'dist';

if (from === 'dist') assertFreshBuild();
const { modelNames } = (await import(new URL(`../${from}/devices/registry.js`, import.meta.url).href)) as typeof import('../src/devices/registry.js');

const rows: VirtualRow[] = [];
const models = opts.models === undefined ? modelNames() : opts.models.split(',');
const workerCounts = (opts.workers ?? '1,2').split(',').map(Number);
console.log(`virtual time: ${devices.toLocaleString('en-US')} devices × ${hours} h at 1 sample/min, sink none, code from ${from}/`);
console.log(`machine: ${cpus()[0]?.model ?? 'unknown cpu'}, ${availableParallelism()} cores, node ${process.version}\n`);
for (const model of models) {
  for (const workers of workerCounts) rows.push(await measureVirtual({ model, devices, hours, workers, from }));
}
console.table(rows);
for (const line of VIRTUAL_FOOTNOTES) console.log(line);
console.log(`load1 = the machine's 1-minute load average as the run started (${availableParallelism()} cores: above ~0.3 the figures are not those of a quiet machine)`);
console.log(JSON.stringify({ bench: 'virtual', from, devices, hours, rows }));
