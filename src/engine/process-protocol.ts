import type { RunPlan } from '../scenario/plan.js';
import type { ShardRange } from '../scenario/shard.js';
import type { MainMessage, ShardResult, WorkerMessage } from '../worker/protocol.js';

/**
 * The IPC between a run's parent process and a shard process (src/engine/processes.ts ↔ process-child.ts), over
 * child_process.fork with `serialization: 'advanced'` (structured clone, as between threads).
 */
export type ParentMessage =
  /** Run these worker-thread shards of the plan against this target. */
  | { readonly type: 'init'; readonly plan: RunPlan; readonly shards: readonly ShardRange[]; readonly url: string; readonly httpUrl: string | undefined }
  /** A message for one shard's thread (start with the common t0, stop). */
  | { readonly type: 'main'; readonly shard: number; readonly msg: MainMessage };

export type ChildMessage =
  /** A worker thread's message, relayed as is (ready, interval, phase, log). */
  | { readonly type: 'worker'; readonly msg: WorkerMessage }
  | { readonly type: 'result'; readonly result: ShardResult }
  | { readonly type: 'failed'; readonly shard: number; readonly message: string };
