import { Worker } from 'node:worker_threads';
import { FleetsimError } from '../core/errors.js';
import { workerFile } from '../core/worker-file.js';

export interface EmbeddedHub {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

type HubMessage =
  | { type: 'listening'; host: string; port: number }
  | { type: 'error'; code: string; message: string }
  | { type: 'closed' };

/** Start fleetsim's own MQTT hub in a worker thread on 127.0.0.1 (a free port unless one is given). */
export function startEmbeddedHub(options: { host?: string; port?: number } = {}): Promise<EmbeddedHub> {
  const host = options.host ?? '127.0.0.1';
  const { filename, env } = workerFile('./hub-thread.js', import.meta.url);
  const workerData = { host, port: options.port ?? 0 };
  const worker = new Worker(new URL(filename), env === undefined ? { workerData } : { workerData, env });
  return new Promise((resolve, reject) => {
    const onExit = (code: number): void =>
      reject(new FleetsimError('FLEETSIM_E_TARGET', `the embedded hub stopped while starting (exit code ${code})`));
    worker.once('exit', onExit);
    worker.once('error', (err) => reject(new FleetsimError('FLEETSIM_E_TARGET', `the embedded hub failed: ${err.message}`)));
    worker.once('message', (msg: HubMessage) => {
      worker.off('exit', onExit);
      if (msg.type === 'error') {
        void worker.terminate();
        const hint = msg.code === 'EADDRINUSE' ? 'choose another --port, or stop what is listening there' : undefined;
        reject(
          new FleetsimError('FLEETSIM_E_TARGET', `the embedded hub could not listen on ${host}: ${msg.message}`, hint ? { hint } : {}),
        );
        return;
      }
      if (msg.type !== 'listening') return;
      resolve({
        url: `mqtt://${msg.host}:${msg.port}`,
        port: msg.port,
        stop: () => stopHub(worker),
      });
    });
  });
}

function stopHub(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => void worker.terminate().then(() => resolve()), 2000);
    worker.once('message', (msg: HubMessage) => {
      if (msg.type !== 'closed') return;
      clearTimeout(timer);
      void worker.terminate().then(() => resolve());
    });
    worker.postMessage({ type: 'close' });
  });
}
