import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { workerFile } from '../core/worker-file.js';
import type { RunPlan } from '../scenario/plan.js';
import type { ShardRange } from '../scenario/shard.js';
import type { ShardResult, WorkerMessage } from '../worker/protocol.js';
import type { ShardHandle } from './pool.js';
import type { ChildMessage, ParentMessage } from './process-protocol.js';

interface Pending {
  resolve(r: ShardResult): void;
  reject(err: Error): void;
}

/**
 * Shards spread over OS processes, for runs whose sockets exceed one process's open-file limit (worker threads share
 * it). Each child (src/engine/process-child.ts) runs its shards on a worker-thread pool of its own and relays their
 * messages; the parent sees one ShardHandle per thread, exactly as with an in-process pool, so the run merges
 * threads of every process the same way. A child that dies fails its unfinished shards (a warning with partial
 * figures in the run), never hangs it.
 */
export class ProcessShards {
  readonly handles: ShardHandle[] = [];
  private readonly children: ChildProcess[] = [];

  constructor(plan: RunPlan, layout: readonly (readonly ShardRange[])[], target: { url: string; httpUrl: string | undefined }, onMessage: (msg: WorkerMessage) => void) {
    const { filename, env } = workerFile('./process-child.js', import.meta.url);
    for (const [p, shards] of layout.entries()) {
      const child = fork(fileURLToPath(filename), [], {
        serialization: 'advanced',
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        // From source, the bootstrap registers tsx (scripts/ts-worker.mjs); from dist/, Node's own flags carry over.
        execArgv: env === undefined ? process.execArgv : [],
        ...(env === undefined ? {} : { env }),
      });
      this.children.push(child);
      const pending = new Map<number, Pending>();
      for (const shard of shards) {
        const result = new Promise<ShardResult>((resolve, reject) => pending.set(shard.index, { resolve, reject }));
        result.catch(() => {}); // run.ts reads every result with allSettled; this only keeps an early failure from being "unhandled"
        const send = (msg: Parameters<ShardHandle['send']>[0]): void => {
          if (child.connected) child.send({ type: 'main', shard: shard.index, msg } satisfies ParentMessage);
        };
        this.handles.push({ shard, result, send });
      }
      child.on('message', (m: ChildMessage) => {
        if (m.type === 'worker') onMessage(m.msg);
        else if (m.type === 'result') {
          pending.get(m.result.shard)?.resolve(m.result);
          pending.delete(m.result.shard);
        } else {
          pending.get(m.shard)?.reject(new Error(m.message));
          pending.delete(m.shard);
        }
      });
      const died = (why: string): void => {
        for (const w of pending.values()) w.reject(new Error(`shard process ${p + 1} (pid ${child.pid ?? '?'}) ${why}`));
        pending.clear();
      };
      child.on('error', (err) => died(`failed: ${err.message}`));
      child.on('exit', (code, signal) => {
        const why = signal !== null ? `was killed by ${signal}` : `exited with code ${code ?? '?'}`;
        // Messages still in the channel (its last results) are read before 'disconnect': judge the shards after it.
        if (child.connected) child.once('disconnect', () => died(why));
        else setImmediate(() => died(why));
      });
      child.send({ type: 'init', plan, shards, url: target.url, httpUrl: target.httpUrl } satisfies ParentMessage);
    }
  }

  /** Wait for every child to exit (they do once their shards are done); kill any still there after `graceMs`. */
  async close(graceMs = 5000): Promise<void> {
    await Promise.all(
      this.children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            if (child.connected) child.disconnect();
          }),
      ),
    );
  }
}
