import { closeSync, openSync, writeSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadModel } from '../devices/model-ref.js';
import type { RunPlan } from '../scenario/plan.js';
import type { ShardRange } from '../scenario/shard.js';
import type { DeviceRuntime } from './device.js';
import { runVirtualShard, sampleLine } from './virtual.js';

export interface VirtualTask {
  readonly plan: RunPlan;
  readonly shard: ShardRange;
  /** NDJSON file for this shard's samples, or null to only count them. */
  readonly file: string | null;
}

export interface VirtualShardResult {
  readonly shard: number;
  readonly samples: number;
  readonly bytes: number;
  /** CPU-side wall time of the shard's simulation, ms. */
  readonly elapsedMs: number;
  /** Heap growth while the shard's devices were built (state, streams, ids), bytes. */
  readonly heapForDevices: number;
  readonly devices: number;
}

const FLUSH_BYTES = 1 << 20;

/** Piscina task for virtual time: simulate one shard, stream its NDJSON to a file in large writes. */
export default async function runVirtualTask(task: VirtualTask): Promise<VirtualShardResult> {
  const { plan, shard } = task;
  const models = [];
  for (const f of plan.fleets) models.push({ plan: f, model: await loadModel(f.modelRef) });
  const fd = task.file === null ? null : openSync(task.file, 'w');
  let buffer = '';
  let bytes = 0;
  const flush = (): void => {
    if (fd !== null && buffer.length > 0) bytes += writeSync(fd, buffer);
    buffer = '';
  };
  const started = performance.now();
  // The warm-up's devices stay referenced until the fleet is built: see warmUp.
  const settled = warmUp(plan, shard, models);
  // Full collections around the build, so the warm-up's garbage is not counted against (or for) the devices.
  collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;
  let heapForDevices = 0;
  let devices = 0;
  try {
    const samples = runVirtualShard(
      plan,
      shard,
      models,
      fd === null
        ? () => {}
        : (s) => {
            buffer += sampleLine(s);
            if (buffer.length >= FLUSH_BYTES) flush();
          },
      undefined,
      (built) => {
        devices = built.length;
        collectGarbage();
        heapForDevices = process.memoryUsage().heapUsed - heapBefore;
        settled.length = 0; // the fleet's own objects now hold the settled hidden classes
      },
    );
    flush();
    return { shard: shard.index, samples, bytes, elapsedMs: performance.now() - started, heapForDevices, devices };
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

let gc: (() => void) | undefined;

/** A full garbage collection (V8's gc, exposed at run time: the memory figure per device needs a settled heap). */
function collectGarbage(): void {
  if (gc === undefined) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}

/**
 * Run the shard's first device of each fleet once, output discarded, before the real run builds its devices. Models
 * start some fields as small integers (0) that later hold fractions; when that first happens mid-run, V8 deprecates
 * the state's hidden class and every device already built migrates on first touch, which keeps the hot functions
 * from being optimised (3× slower). After the warm-up the classes are settled before the fleet is built. Streams
 * are per device and recreated by the real run, so this changes no value.
 *
 * The warm-up devices are returned and must stay referenced until the fleet is built: V8 holds map transitions
 * weakly, so a full GC with no live object left on the settled hidden classes drops them, the fleet is built on the
 * old (small-integer) classes again, and every device migrates on first touch after all. Each migration is an inline
 * cache change that restarts V8's count toward optimising the hot function (stepThermal was never optimised: a
 * measured 2-3× on the cold models).
 */
function warmUp(plan: RunPlan, shard: ShardRange, models: Parameters<typeof runVirtualShard>[2]): DeviceRuntime[] {
  const kept: DeviceRuntime[] = [];
  for (const { plan: f } of models) {
    const first = Math.max(shard.first, f.firstIndex);
    if (first < Math.min(shard.end, f.firstIndex + f.count)) {
      runVirtualShard(plan, { ...shard, first, end: first + 1 }, models, () => {}, undefined, (built) => kept.push(...built));
    }
  }
  return kept;
}
