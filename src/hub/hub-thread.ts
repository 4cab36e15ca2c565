import { parentPort, workerData } from 'node:worker_threads';
import { type ListenerOptions, startBroker } from './broker.js';

/** Worker-thread entry of the embedded hub: the broker runs off the main thread so the collector never stalls it. */
type HubCommand = { type: 'close' };

const port = parentPort;
if (port === null) throw new Error('hub-thread must run in a worker thread');
const { listeners } = workerData as { listeners: ListenerOptions[] };

startBroker(listeners).then(
  (broker) => {
    port.postMessage({ type: 'listening', listening: broker.listening });
    port.on('message', (cmd: HubCommand) => {
      if (cmd.type === 'close') void broker.close().then(() => port.postMessage({ type: 'closed' }));
    });
  },
  (err: unknown) => {
    const e = err as { code?: string; message?: string };
    port.postMessage({ type: 'error', code: e.code ?? 'UNKNOWN', message: e.message ?? String(err) });
  },
);
