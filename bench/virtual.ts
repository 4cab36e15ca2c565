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
import { existsSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: { models: { type: 'string' }, workers: { type: 'string', default: '1,2' }, from: { type: 'string', default: 'dist' } },
});
const devices = Number(positionals[0] ?? 200_000);
const hours = Number(positionals[1] ?? 2);
const from = opts.from === 'src' ? 'src' : 'dist';
const TARGET_SAMPLES = 1_000_000 * 24 * 60;
const TARGET_MS = 25 * 60_000;

const root = fileURLToPath(new URL('..', import.meta.url));
if (from === 'dist') assertFreshBuild();
// Same modules either way; the types come from the sources.
const load = <T>(path: string): Promise<T> => import(new URL(`../${from}/${path}.js`, import.meta.url).href) as Promise<T>;
const { runVirtual } = await load<typeof import('../src/engine/virtual-run.js')>('engine/virtual-run');
const { modelNames } = await load<typeof import('../src/devices/registry.js')>('devices/registry');
const { compileScenarioText } = await load<typeof import('../src/scenario/index.js')>('scenario/index');

/** dist/ must exist and be newer than every source file, or the figures would describe other code. */
function assertFreshBuild(): void {
  const built = join(root, 'dist', 'index.js');
  if (!existsSync(built)) throw new Error('bench/virtual.ts measures the build: run `npm run build` first (or pass --from src)');
  const builtAt = statSync(built).mtimeMs;
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
      const p = join(dir, e.name);
      return Math.max(m, e.isDirectory() ? newest(p) : e.name.endsWith('.ts') ? statSync(p).mtimeMs : 0);
    }, 0);
  if (newest(join(root, 'src')) > builtAt) throw new Error('dist/ is older than src/: run `npm run build` first (or pass --from src)');
}

function plan(model: string) {
  return compileScenarioText(
    `version: 1
name: bench-${model}
clock: virtual
fleets:
  - { id: d, model: ${model}, count: ${devices}, telemetry: { every: 1m } }
phases:
  - { kind: connect, rate: 100000000/s, settle: 0s }
  - { kind: steady, duration: ${hours}h }
`,
    `bench-${model}.yaml`,
  );
}

const rows: Array<Record<string, string | number>> = [];
const models = opts.models === undefined ? modelNames() : opts.models.split(',');
const workerCounts = (opts.workers ?? '1,2').split(',').map(Number);
console.log(`virtual time: ${devices.toLocaleString('en-US')} devices × ${hours} h at 1 sample/min, sink none, code from ${from}/`);
console.log(`machine: ${cpus()[0]?.model ?? 'unknown cpu'}, ${availableParallelism()} cores, node ${process.version}\n`);
for (const model of models) {
  for (const workers of workerCounts) {
    const loadBefore = loadavg()[0] ?? NaN;
    const out = await runVirtual(plan(model), { workers, sink: { kind: 'none' } });
    const projectedMs = (TARGET_SAMPLES / out.samplesPerS) * 1000;
    // The slowest shard's own simulation time (device build + run, no thread start-up or module loading).
    const simMs = Math.max(...out.shards.map((s) => s.elapsedMs));
    rows.push({
      model,
      workers,
      samples: out.samples,
      wall_s: Number((out.wallMs / 1000).toFixed(2)),
      samples_per_s: Math.round(out.samplesPerS),
      sim_samples_per_s: Math.round(out.samples / (simMs / 1000)),
      kib_per_device: Number((out.heapPerDeviceBytes / 1024).toFixed(2)),
      projected_1M_x_24h_min: Number((projectedMs / 60_000).toFixed(1)),
      vs_target: Number((TARGET_MS / projectedMs).toFixed(2)),
      load1: Number(loadBefore.toFixed(2)),
    });
  }
}
console.table(rows);
console.log('samples_per_s = samples ÷ wall time of the whole run (thread start-up, device creation, simulation)');
console.log('sim_samples_per_s = samples ÷ the slowest shard\'s own time (device creation + simulation; a 24 h run is dominated by this)');
console.log('kib_per_device = V8 heap growth while the shards built their devices ÷ devices');
console.log('projected = 1.44e9 samples ÷ samples_per_s;  vs_target = 25 min ÷ projected (≥ 1 meets the target)');
console.log(`load1 = the machine's 1-minute load average as the run started (${availableParallelism()} cores: above ~0.3 the figures are not those of a quiet machine)`);
console.log(JSON.stringify({ bench: 'virtual', from, devices, hours, rows }));
