import { closeSync, openSync, writeSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadModel } from '../devices/model-ref.js';
import type { RunPlan } from '../scenario/plan.js';
import type { ShardRange } from '../scenario/shard.js';
import type { SecureOsCpu, SecureOsReport } from '../metrics/secure-os-report.js';
import { runVirtualShard, sampleLine } from './virtual.js';
import { VirtualSecureOs } from './virtual-secure-os.js';
import { warmUp } from './warm-up.js';

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
  /** Secure-OS fleets: the shard's Secure OS tally and the CPU its boots and attestations took (absent without them). */
  readonly secureOs?: { readonly report: SecureOsReport; readonly cpu: SecureOsCpu };
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
  // The shard's attestation service (its enrolment map, the firmware catalog) is made before the heap is measured.
  const secure = plan.fleets.some((f) => f.secureOs !== undefined) ? new VirtualSecureOs(plan) : undefined;
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
      secure,
    );
    flush();
    return {
      shard: shard.index,
      samples,
      bytes,
      elapsedMs: performance.now() - started,
      heapForDevices,
      devices,
      ...(secure === undefined ? {} : { secureOs: { report: secure.report(), cpu: secure.cpu } }),
    };
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
