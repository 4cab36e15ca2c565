import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { addSecureOsCpu, emptySecureOsCpu, mergeSecureOsReports } from '../metrics/secure-os-report.js';
import type { VirtualFigures } from '../report/virtual-text.js';
import type { RunPlan } from '../scenario/plan.js';
import { splitShards } from '../scenario/shard.js';
import { telemetryEndMs } from '../worker/virtual.js';
import type { VirtualShardResult, VirtualTask } from '../worker/virtual-task.js';
import { ShardPool } from './pool.js';

/** Where virtual-time telemetry goes: NDJSON into a writable stream (a file or stdout), or nowhere. */
export type VirtualSink = { readonly kind: 'none' } | { readonly kind: 'stream'; readonly stream: Writable; readonly name: string };

export interface VirtualOutcome extends VirtualFigures {
  readonly plan: RunPlan;
  readonly shards: readonly VirtualShardResult[];
}

/**
 * Run a plan in virtual time across worker threads. Each shard writes its own part file; parts are copied to the sink
 * in shard order, so the NDJSON is byte-identical whatever the worker count.
 */
export async function runVirtual(plan: RunPlan, options: { workers: number; sink: VirtualSink }): Promise<VirtualOutcome> {
  const started = performance.now();
  const shards = splitShards(plan.totalDevices, options.workers);
  const dir = options.sink.kind === 'none' ? null : mkdtempSync(join(tmpdir(), 'fleetsim-virtual-'));
  const pool = new ShardPool(shards.length, '../worker/virtual-task.js');
  try {
    const results = await Promise.all(
      shards.map((shard) => {
        const task: VirtualTask = { plan, shard, file: dir === null ? null : join(dir, `part-${shard.index}.ndjson`) };
        return pool.runTask<VirtualTask, VirtualShardResult>(task);
      }),
    );
    if (dir !== null && options.sink.kind === 'stream') {
      for (const shard of shards) await copyInto(join(dir, `part-${shard.index}.ndjson`), options.sink.stream);
    }
    const wallMs = performance.now() - started;
    const samples = results.reduce((n, r) => n + r.samples, 0);
    return {
      plan,
      workers: shards.length,
      samples,
      bytes: results.reduce((n, r) => n + r.bytes, 0),
      modelSpanMs: telemetryEndMs(plan),
      wallMs,
      samplesPerS: samples / (wallMs / 1000),
      heapPerDeviceBytes: results.reduce((n, r) => n + r.heapForDevices, 0) / Math.max(1, plan.totalDevices),
      ...secureOsOf(results),
      shards: results,
    };
  } finally {
    await pool.close();
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
  }
}

/** The shards' Secure OS tallies merged as the live engine merges them, and their CPU figures summed. */
function secureOsOf(results: readonly VirtualShardResult[]): Pick<VirtualFigures, 'secureOs'> {
  const parts = results.flatMap((r) => (r.secureOs === undefined ? [] : [r.secureOs]));
  if (parts.length === 0) return {};
  return { secureOs: { report: mergeSecureOsReports(parts.map((p) => p.report)), cpu: parts.reduce((a, p) => addSecureOsCpu(a, p.cpu), emptySecureOsCpu()) } };
}

function copyInto(file: string, out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const input = createReadStream(file);
    input.once('error', reject);
    input.once('end', resolve);
    input.pipe(out, { end: false });
  });
}
