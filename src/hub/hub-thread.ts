import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../core/clock.js';
import { compileTemplate } from '../core/template.js';
import { fleetDeviceKey } from '../iothub/index.js';
import { type ListenerOptions, startBroker } from './broker.js';
import { embeddedHooks } from './embedded-hooks.js';
import type { EmbeddedIotHub } from './embedded.js';
import { IotHubGateway } from './iothub-gateway.js';

/**
 * Worker-thread entry of the embedded hub: the broker runs off the main thread so the collector never stalls it. It is
 * an IoT Hub gateway (devices registered from the run's IoT Hub fleets) and a plain MQTT broker on the same listeners.
 */
type HubCommand = { type: 'close' };

const port = parentPort;
if (port === null) throw new Error('hub-thread must run in a worker thread');
const { listeners, iothub } = workerData as { listeners: ListenerOptions[]; iothub: EmbeddedIotHub };

const gateway = new IotHubGateway({ hostName: iothub.hostName, serviceKey: iothub.serviceKey, clock: systemClock, timers: { setTimeout, clearTimeout } });
for (const f of iothub.fleets) {
  const idOf = compileTemplate(f.idPattern, ['fleet', 'index']);
  const devices = Array.from({ length: f.count }, (_, index) => {
    const deviceId = idOf({ fleet: f.id, index });
    const key = fleetDeviceKey(f.groupKey, deviceId);
    return { deviceId, authentication: { type: 'sas' as const, primaryKey: key, secondaryKey: key } };
  });
  gateway.registry.createMany(devices);
}

startBroker(listeners, { hooks: embeddedHooks(gateway) }).then(
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
