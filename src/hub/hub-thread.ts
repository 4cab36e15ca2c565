import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { type RequestListener, type Server, createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../core/clock.js';
import { attestationHooks, createAttestationHttp, createAttestationService } from './attestation/index.js';
import { FirmwareServer, firmwareHooks } from './attestation/firmware-server.js';
import { firmwareCatalog } from '../devices/secure-os/index.js';
import { type Broker, type ListenerOptions, startBroker } from './broker.js';
import { createDeviceHttp, fileNotificationRoutes } from './device-http/index.js';
import { DpsGateway, assignToHub, endpointOfUsername, routeHooks } from './dps/index.js';
import { embeddedHooks } from './embedded-hooks.js';
import type { EmbeddedIotHub } from './embedded.js';
import { hubStats } from './hub-stats.js';
import { IotHubGateway } from './iothub-gateway.js';
import { registerFleets } from './register-fleets.js';
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
// The attestation service, when the run has secure-OS fleets (or `fleetsim hub` was given a firmware catalog).
const attestation =
  iothub.attestation === undefined
    ? undefined
    : createAttestationService({ attestation: iothub.attestation, fleets: iothub.fleets, hubServiceKey: iothub.serviceKey, hostName: iothub.hostName, clock: systemClock });
registerFleets(gateway, dps, iothub.fleets, attestation);
// The firmware server: the catalog's images over HTTP (Range, paced) and MQTT chunks (firmware-rollout phases).
const firmware = iothub.attestation === undefined ? undefined : new FirmwareServer(firmwareCatalog(iothub.attestation.seed, iothub.attestation.releases));

/** Where uploaded files go: the --blob-dir given, else a fresh temporary directory. */
const blobDir = iothub.blobDir ?? mkdtempSync(join(tmpdir(), 'fleetsim-blobs-'));

/**
 * The IoT Hub HTTP face on loopback, over HTTPS when `iothub.httpTls` is given (`fleetsim hub` with TLS: the same server
 * certificate as its MQTT/TLS and WSS listeners), else plain HTTP (runs, and `--plain`-only hubs): the device endpoints (telemetry, C2D, file upload, and the blob
 * endpoint uploads go to; src/hub/device-http/) and the service REST API (registry, twins, methods, C2D, query, file
 * notifications), on one server as IoT Hub serves both on 443. HTTPS telemetry is published into the broker on the
 * device's telemetry topic, so service subscribers (the run observer) get it exactly as MQTT telemetry.
 */
function startHttpApi(broker: Broker): Promise<{ server: Server; url: string }> {
  let host = '127.0.0.1:0';
  const device = createDeviceHttp(gateway, {
    hostName: iothub.hostName,
    clock: systemClock,
    blobDir,
    blobKey: randomBytes(32).toString('base64'),
    blobHost: () => host,
    publish: (topic, body) => void broker.publish(topic, body, 1).catch(() => undefined),
    // IoT Hub's D2C throttle and daily quota apply to HTTPS telemetry as to MQTT (a 429 here rather than a closed
    // connection); C2D over HTTPS and file uploads have throttles of their own that fleetsim does not model yet.
    admit: (op, deviceId, bytes) => (op === 'd2c' ? gateway.admitService('d2c', deviceId, bytes) : Promise.resolve()),
  });
  const service = createServiceApi(gateway, {
    hostName: iothub.hostName,
    serviceKey: iothub.serviceKey,
    clock: systemClock,
    telemetry: feed,
    extraRoutes: (router) => fileNotificationRoutes(router, device.uploads),
  });
  const attestationHttp = attestation === undefined ? undefined : createAttestationHttp(attestation.verifier);
  const handle: RequestListener = (req, res) => {
    if (attestationHttp?.tryHandle(req, res) === true || firmware?.tryHandle(req, res) === true) return;
    if (!device.tryHandle(req, res)) service(req, res);
  };
  const tls = iothub.httpTls;
  const server: Server = tls === undefined ? createServer(handle) : createHttpsServer({ key: tls.key, cert: tls.cert }, handle);
  const scheme = tls === undefined ? 'http' : 'https';
  // Devices keep their HTTPS connections between readings, as with a cloud front end: Node's 5 s default would close
  // idle sockets under a device's next request far more often than a hub on the internet does.
  server.keepAliveTimeout = 65_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(iothub.servicePort ?? 0, '127.0.0.1', () => {
      const address = server.address();
      host = `127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
      resolve({ server, url: `${scheme}://${host}` });
    });
  });
}

const enforced =
  attestation === undefined || firmware === undefined
    ? undefined
    : attestationHooks(firmwareHooks(embeddedHooks(gateway), firmware), {
        service: attestation,
        hostName: iothub.hostName,
        clock: systemClock,
        onFirmwareRequest: (client, _deviceId, topic) => firmware.onMqttRequest(client, topic),
      });
const hooks = routeHooks(endpointOfUsername, enforced?.hooks ?? embeddedHooks(gateway), dps.hooks());
async function start(): Promise<[Broker, { server: Server; url: string }]> {
  const broker = await startBroker(listeners, { hooks });
  try {
    return [broker, await startHttpApi(broker)];
  } catch (err) {
    await broker.close();
    throw err;
  }
}

start().then(
  ([broker, api]) => {
    port.postMessage({ type: 'listening', listening: broker.listening, serviceUrl: api.url, blobDir });
    port.on('message', (cmd: HubCommand) => {
      if (cmd.type === 'stats') port.postMessage({ type: 'stats', stats: hubStats(gateway, feed, attestation && enforced ? { service: attestation, enforcement: enforced.stats } : undefined) });
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
