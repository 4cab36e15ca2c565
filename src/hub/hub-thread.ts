import { type Server, createServer } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../core/clock.js';
import { type ListenerOptions, startBroker } from './broker.js';
import { DpsGateway, assignToHub, endpointOfUsername, routeHooks } from './dps/index.js';
import { embeddedHooks } from './embedded-hooks.js';
import type { EmbeddedIotHub } from './embedded.js';
import { IotHubGateway } from './iothub-gateway.js';
import { registerFleets } from './register-fleets.js';
import { createServiceApi } from './service-api/index.js';

/**
 * Worker-thread entry of the embedded hub: the broker runs off the main thread so the collector never stalls it. It is
 * an IoT Hub gateway (devices registered from the run's IoT Hub fleets) and a plain MQTT broker on the same listeners.
 */
type HubCommand = { type: 'close' };

const port = parentPort;
if (port === null) throw new Error('hub-thread must run in a worker thread');
const { listeners, iothub } = workerData as { listeners: ListenerOptions[]; iothub: EmbeddedIotHub };

const gateway = new IotHubGateway({ hostName: iothub.hostName, serviceKey: iothub.serviceKey, clock: systemClock, timers: { setTimeout, clearTimeout } });
const dps = new DpsGateway({ idScope: iothub.idScope, assignedHub: iothub.hostName, clock: systemClock, assign: assignToHub(gateway), retryAfterS: 1 });
registerFleets(gateway, dps, iothub.fleets);

/** The IoT Hub service REST API (registry, twins, methods, C2D, query) on plain HTTP, loopback only. */
function startServiceApi(): Promise<{ server: Server; url: string }> {
  const server = createServer(createServiceApi(gateway, { hostName: iothub.hostName, serviceKey: iothub.serviceKey, clock: systemClock }));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(iothub.servicePort ?? 0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ server, url: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}` });
    });
  });
}

const hooks = routeHooks(endpointOfUsername, embeddedHooks(gateway), dps.hooks());
Promise.all([startBroker(listeners, { hooks }), startServiceApi()]).then(
  ([broker, api]) => {
    port.postMessage({ type: 'listening', listening: broker.listening, serviceUrl: api.url });
    port.on('message', (cmd: HubCommand) => {
      if (cmd.type === 'close') {
        api.server.closeAllConnections();
        api.server.close();
        void broker.close().then(() => port.postMessage({ type: 'closed' }));
      }
    });
  },
  (err: unknown) => {
    const e = err as { code?: string; message?: string };
    port.postMessage({ type: 'error', code: e.code ?? 'UNKNOWN', message: e.message ?? String(err) });
  },
);
