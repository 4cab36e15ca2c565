/**
 * One virtual-time measurement (issue 3): a fleet of one model for some hours of model time at one sample a minute,
 * sink none, on the built package (dist/, as bin/fleetsim.js runs it) or the sources through tsx. Used by
 * bench/virtual.ts (the table per model and worker count) and bench/peers/scale200k.ts (the samples/s row).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type CodeFrom = 'dist' | 'src';

export const TARGET_SAMPLES = 1_000_000 * 24 * 60;
export const TARGET_MS = 25 * 60_000;

const root = fileURLToPath(new URL('..', import.meta.url));

/** dist/ must exist and be newer than every source file, or the figures would describe other code. */
export function assertFreshBuild(): void {
  const built = join(root, 'dist', 'index.js');
  if (!existsSync(built)) throw new Error('the benchmark measures the build: run `npm run build` first (or pass --from src)');
  const builtAt = statSync(built).mtimeMs;
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
      const p = join(dir, e.name);
      return Math.max(m, e.isDirectory() ? newest(p) : e.name.endsWith('.ts') ? statSync(p).mtimeMs : 0);
    }, 0);
  if (newest(join(root, 'src')) > builtAt) throw new Error('dist/ is older than src/: run `npm run build` first (or pass --from src)');
}

export interface VirtualRow {
  [key: string]: string | number;
  model: string;
  workers: number;
  samples: number;
  wall_s: number;
  samples_per_s: number;
  sim_samples_per_s: number;
  kib_per_device: number;
  projected_1M_x_24h_min: number;
  vs_target: number;
  load1: number;
}

export async function measureVirtual(o: { model: string; devices: number; hours: number; workers: number; from: CodeFrom }): Promise<VirtualRow> {
  // Same modules either way; the types come from the sources.
  const load = <T>(path: string): Promise<T> => import(new URL(`../${o.from}/${path}.js`, import.meta.url).href) as Promise<T>;
  const { runVirtual } = await load<typeof import('../src/engine/virtual-run.js')>('engine/virtual-run');
  const { compileScenarioText } = await load<typeof import('../src/scenario/index.js')>('scenario/index');
  const plan = compileScenarioText(
    `version: 1
name: bench-${o.model}
clock: virtual
fleets:
  - { id: d, model: ${o.model}, count: ${o.devices}, telemetry: { every: 1m } }
phases:
  - { kind: connect, rate: 100000000/s, settle: 0s }
  - { kind: steady, duration: ${o.hours}h }
`,
    `bench-${o.model}.yaml`,
  );
  const loadBefore = loadavg()[0] ?? NaN;
  const out = await runVirtual(plan, { workers: o.workers, sink: { kind: 'none' } });
  const projectedMs = (TARGET_SAMPLES / out.samplesPerS) * 1000;
  // The slowest shard's own simulation time (device build + run, no thread start-up or module loading).
  const simMs = Math.max(...out.shards.map((s) => s.elapsedMs));
  return {
    model: o.model,
    workers: o.workers,
    samples: out.samples,
    wall_s: Number((out.wallMs / 1000).toFixed(2)),
    samples_per_s: Math.round(out.samplesPerS),
    sim_samples_per_s: Math.round(out.samples / (simMs / 1000)),
    kib_per_device: Number((out.heapPerDeviceBytes / 1024).toFixed(2)),
    projected_1M_x_24h_min: Number((projectedMs / 60_000).toFixed(1)),
    vs_target: Number((TARGET_MS / projectedMs).toFixed(2)),
    load1: Number(loadBefore.toFixed(2)),
  };
}

export const VIRTUAL_FOOTNOTES = [
  'samples_per_s = samples ÷ wall time of the whole run (thread start-up, device creation, simulation)',
  "sim_samples_per_s = samples ÷ the slowest shard's own time (device creation + simulation; a 24 h run is dominated by this)",
  'kib_per_device = V8 heap growth while the shards built their devices ÷ devices',
  'projected = 1.44e9 samples ÷ samples_per_s;  vs_target = 25 min ÷ projected (≥ 1 meets the target)',
];
