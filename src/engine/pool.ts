import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { workerFile } from '../core/worker-file.js';
import type { RunPlan } from '../scenario/plan.js';
import type { ShardRange } from '../scenario/shard.js';
import type { MainMessage, ShardResult, ShardTask, WorkerMessage } from '../worker/protocol.js';

/** A running shard as the main thread sees it: a way to message it, and the task's final result. */
export interface ShardHandle {
  readonly shard: ShardRange;
  readonly result: Promise<ShardResult>;
  send(msg: MainMessage): void;
}

/**
 * The one import site of piscina. One worker thread per shard, each running ONE long task (so its sockets are
 * serviced for the whole run); atomics are disabled so an idle worker is never parked between tasks.
 */
export class ShardPool {
  private readonly pool: Piscina;

  /** `entry`: the worker module, relative to this file (live shards by default). */
  constructor(threads: number, entry = '../worker/shard-task.js') {
    const { filename, env } = workerFile(entry, import.meta.url);
    this.pool = new Piscina({
      filename,
      ...(env === undefined ? {} : { env }),
      minThreads: threads,
      maxThreads: threads,
      concurrentTasksPerWorker: 1,
      atomics: 'disabled',
      idleTimeout: 60_000,
    });
  }

  run(plan: RunPlan, shard: ShardRange, target: { url: string; httpUrl: string | undefined }, onMessage: (msg: WorkerMessage) => void): ShardHandle {
    const { port1, port2 } = new MessageChannel();
    port1.on('message', onMessage);
    const task: ShardTask = { plan, shard, url: target.url, httpUrl: target.httpUrl, port: port2 };
    const result = this.pool.run(task, { transferList: [port2] }) as Promise<ShardResult>;
    return { shard, result, send: (msg) => port1.postMessage(msg) };
  }

  /** Run a task that is not a live shard (e.g. a virtual-time shard) on a pool made with its entry. */
  runTask<T, R>(task: T): Promise<R> {
    return this.pool.run(task) as Promise<R>;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
