import type { RunPlan } from '../scenario/plan.js';
import type { ShardRange } from '../scenario/shard.js';
import type { WorkerMessage } from '../worker/protocol.js';
import { type ShardHandle, ShardPool } from './pool.js';
import { ProcessShards } from './processes.js';

/** The shards of a run, wherever they execute: threads of this process, or threads of several child processes. */
export interface RunningShards {
  readonly handles: readonly ShardHandle[];
  /** How many OS processes run devices (1: this one). */
  readonly processes: number;
  close(): Promise<void>;
}

/**
 * Start the layout (per process, its threads' device ranges; see layoutShards): one process runs its threads on a pool
 * here, several are forked as shard processes. Either way every thread is a ShardHandle with a run-unique index.
 */
export function startShards(plan: RunPlan, layout: readonly (readonly ShardRange[])[], target: { url: string; httpUrl: string | undefined }, onMessage: (msg: WorkerMessage) => void): RunningShards {
  if (layout.length <= 1) {
    const shards = layout[0] ?? [];
    const pool = new ShardPool(Math.max(1, shards.length));
    const handles = shards.map((shard) => pool.run(plan, shard, target, onMessage));
    return { handles, processes: 1, close: () => pool.close() };
  }
  const children = new ProcessShards(plan, layout, target, onMessage);
  return { handles: children.handles, processes: layout.length, close: () => children.close() };
}
