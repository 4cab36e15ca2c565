import { systemClock } from '../core/clock.js';
import { loadModel } from '../devices/model-ref.js';
import { createTransport } from '../transports/create.js';
import type { FleetContext } from './device.js';
import type { MainMessage, ShardResult, ShardTask, WorkerMessage } from './protocol.js';
import { ShardRunner } from './shard.js';
import { warmUp } from './warm-up.js';

/**
 * The piscina task: runs one shard from start to finish as ONE long task, so the worker thread keeps servicing its
 * sockets for the whole run. Handshake on the port: post 'ready', wait for 'start' (common t0), run, return the ledger.
 */
export default async function runShardTask(task: ShardTask): Promise<ShardResult> {
  const { plan, shard, url, httpUrl, port } = task;
  const fleets: FleetContext[] = [];
  for (const f of plan.fleets) fleets.push({ plan: f, model: await loadModel(f.modelRef), transport: createTransport({ url: f.transport.url ?? url, httpUrl }, f.transport, systemClock) });
  const post = (msg: WorkerMessage): void => port.postMessage(msg);
  // Settle the model states' hidden classes before the fleet is built, as virtual shards do (warm-up.ts); the warm-up
  // devices stay referenced until the fleet's own objects hold those classes.
  const settled = warmUp(plan, shard, fleets);
  const runner = new ShardRunner(plan, shard, { clock: systemClock, fleets, post });
  settled.length = 0;
  port.on('message', (msg: MainMessage) => {
    if (msg.type === 'start') runner.start(msg.t0);
    else if (msg.type === 'stop') runner.stop();
  });
  post({ type: 'ready', shard: shard.index });
  try {
    return await runner.done;
  } finally {
    port.close();
  }
}
