import { type Server, createServer } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../core/clock.js';
import { compileTemplate } from '../core/template.js';
import { fleetDeviceKey } from '../iothub/index.js';
import { type ListenerOptions, startBroker } from './broker.js';
import { DpsGateway, assignToHub, endpointOfUsername, routeHooks } from './dps/index.js';
import { embeddedHooks } from './embedded-hooks.js';
import type { EmbeddedIotHub } from './embedded.js';
import { hubStats } from './hub-stats.js';
import { IotHubGateway } from './iothub-gateway.js';
import { TelemetryFeed } from './telemetry/feed.js';
import { createServiceApi } from './service-api/index.js';

/**
 * Worker-thread entry of the embedded hub: the broker runs off the main thread so the collector never stalls it. It is
 * an IoT Hub gateway (devices registered from the run's IoT Hub fleets) and a plain MQTT broker on the same listeners.
 */
type HubCommand = { type: 'close' } | { type: 'stats' };

const port = parentPort;
if (port === null) throw new Error('hub-thread must run in a worker thread');
const { listeners, iothub } = workerData as { listeners: ListenerOptions[]; iothub: EmbeddedIotHub };

const feed = new TelemetryFeed({ stream: iothub.stream, webhook: iothub.webhook });
const gateway = new IotHubGateway({
  hostName: iothub.hostName,
  serviceKey: iothub.serviceKey,
  clock: systemClock,
  timers: { setTimeout, clearTimeout },
  ...(iothub.throttle === undefined ? {} : { throttle: iothub.throttle }),
  onTelemetry: (m) => feed.accept(m),
});
const dps = new DpsGateway({ idScope: iothub.idScope, assignedHub: iothub.hostName, clock: systemClock, assign: assignToHub(gateway), retryAfterS: 1 });
for (const f of iothub.fleets) {
  if (f.provisioning === 'dps') {
    dps.enrollments.addGroup({ name: f.id, primaryKey: f.groupKey });
    continue;
  }
  const idOf = compileTemplate(f.idPattern, ['fleet', 'index']);
  const devices = Array.from({ length: f.count }, (_, index) => {
    const deviceId = idOf({ fleet: f.id, index });
    const key = fleetDeviceKey(f.groupKey, deviceId);
    return { deviceId, authentication: { type: 'sas' as const, primaryKey: key, secondaryKey: key } };
  });
  gateway.registry.createMany(devices);
}

/** The IoT Hub service REST API (registry, twins, methods, C2D, query) on plain HTTP, loopback only. */
function startServiceApi(): Promise<{ server: Server; url: string }> {
  const server = createServer(createServiceApi(gateway, { hostName: iothub.hostName, serviceKey: iothub.serviceKey, clock: systemClock, telemetry: feed }));
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
      if (cmd.type === 'stats') port.postMessage({ type: 'stats', stats: hubStats(gateway, feed) });
      if (cmd.type === 'close') {
        void feed
          .close()
          .then(() => {
            api.server.closeAllConnections();
            api.server.close();
            return broker.close();
          })
          .then(() => port.postMessage({ type: 'closed' }));
      }
    });
  },
  (err: unknown) => {
    const e = err as { code?: string; message?: string };
    port.postMessage({ type: 'error', code: e.code ?? 'UNKNOWN', message: e.message ?? String(err) });
  },
);
