import type { ShardResult } from '../worker/protocol.js';
import { ShardPool } from './pool.js';
import type { ChildMessage, ParentMessage } from './process-protocol.js';

/**
 * Entry of a shard process (forked by src/engine/processes.ts): runs the worker-thread shards the parent assigns on a
 * pool of its own, relays their messages, and sends each shard's result. The parent alone decides when to stop: Ctrl-C
 * reaches the whole process group, so SIGINT is ignored here and the parent's `stop` drains the devices; if the parent
 * goes away, the shards are stopped as if it had said so.
 */
const send = (msg: ChildMessage): Promise<void> =>
  new Promise((resolve) => {
    if (process.send === undefined || !process.connected) return resolve();
    process.send(msg, undefined, {}, () => resolve());
  });

if (process.send === undefined) throw new Error('process-child must be forked with an IPC channel');
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});

let stopAll: (() => void) | undefined;
process.on('disconnect', () => {
  stopAll?.();
  setTimeout(() => process.exit(0), 5000).unref();
});

process.on('message', (m: ParentMessage) => {
  if (m.type === 'init') void run(m);
});

async function run(init: Extract<ParentMessage, { type: 'init' }>): Promise<void> {
  const pool = new ShardPool(init.shards.length);
  const handles = init.shards.map((shard) => pool.run(init.plan, shard, { url: init.url, httpUrl: init.httpUrl }, (msg) => void send({ type: 'worker', msg })));
  const byShard = new Map(handles.map((h) => [h.shard.index, h]));
  process.on('message', (m: ParentMessage) => {
    if (m.type === 'main') byShard.get(m.shard)?.send(m.msg);
  });
  stopAll = () => {
    for (const h of handles) h.send({ type: 'stop', reason: 'the parent process went away' });
  };
  await Promise.all(
    handles.map((h) =>
      h.result.then(
        (result: ShardResult) => send({ type: 'result', result }),
        (err: unknown) => send({ type: 'failed', shard: h.shard.index, message: err instanceof Error ? err.message : String(err) }),
      ),
    ),
  );
  await pool.close();
  process.disconnect();
}
