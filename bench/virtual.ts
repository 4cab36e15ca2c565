/**
 * Virtual-time throughput: how many telemetry samples per second this machine simulates, and memory per device.
 * Target (issue 3): 1,000,000 devices × 24 h at one sample a minute (1.44 billion samples) in under 25 minutes on
 * 2 cores, i.e. ≥ 1,000,000 samples/s. Runs a smaller fleet and projects: projected = 1.44e9 ÷ measured samples/s.
 *
 *   npm run bench                    (all benchmarks)
 *   node --import tsx bench/virtual.ts [devices] [hours]
 */
import { availableParallelism, cpus } from 'node:os';
import { runVirtual } from '../src/engine/virtual-run.js';
import { modelNames } from '../src/devices/registry.js';
import { compileScenarioText } from '../src/scenario/index.js';

const devices = Number(process.argv[2] ?? 200_000);
const hours = Number(process.argv[3] ?? 2);
const TARGET_SAMPLES = 1_000_000 * 24 * 60;
const TARGET_MS = 25 * 60_000;

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
console.log(`virtual time: ${devices.toLocaleString('en-US')} devices × ${hours} h at 1 sample/min, sink none`);
console.log(`machine: ${cpus()[0]?.model ?? 'unknown cpu'}, ${availableParallelism()} cores, node ${process.version}\n`);
for (const model of modelNames()) {
  for (const workers of [1, 2]) {
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
    });
  }
}
console.table(rows);
console.log('samples_per_s = samples ÷ wall time of the whole run (thread start-up, device creation, simulation)');
console.log('sim_samples_per_s = samples ÷ the slowest shard\'s own time (device creation + simulation; a 24 h run is dominated by this)');
console.log('kib_per_device = V8 heap growth while the shards built their devices ÷ devices');
console.log('projected = 1.44e9 samples ÷ samples_per_s;  vs_target = 25 min ÷ projected (≥ 1 meets the target)');
console.log(JSON.stringify({ bench: 'virtual', devices, hours, rows }));
