/**
 * The embedded hub's IoT Hub and DPS gateways on one TLS broker whose server certificate comes from the hub's own data
 * directory PKI (ensureHubPki in a temporary folder), for X.509 tests with the official SDKs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { type Broker, startBroker } from '../../src/hub/broker.js';
import { DpsGateway, assignToHub, endpointOfUsername, routeHooks } from '../../src/hub/dps/index.js';
import { IotHubGateway } from '../../src/hub/iothub-gateway.js';
import { type HubPki, ensureHubPki } from '../../src/hub/pki.js';
import { HUB_HOST, SERVICE_KEY } from './iothub.js';
import { ID_SCOPE } from './dps.js';

export interface X509Hub {
  readonly hub: IotHubGateway;
  readonly dps: DpsGateway;
  readonly pki: HubPki;
  readonly port: number;
  readonly wssPort: number;
}

export function useX509Hub(): X509Hub {
  let broker: Broker | undefined;
  let state: X509Hub | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'fleetsim-x509-hub-'));
  beforeAll(async () => {
    const pki = await ensureHubPki(dir, [HUB_HOST]);
    const hub = new IotHubGateway({ hostName: HUB_HOST, serviceKey: SERVICE_KEY, clock: systemClock, timers: { setTimeout, clearTimeout } });
    const dps = new DpsGateway({ idScope: ID_SCOPE, assignedHub: HUB_HOST, clock: systemClock, assign: assignToHub(hub), retryAfterS: 0 });
    const tls = pki.server;
    broker = await startBroker(
      [
        { scheme: 'mqtts', host: '127.0.0.1', port: 0, tls },
        { scheme: 'wss', host: '127.0.0.1', port: 0, tls },
      ],
      { hooks: routeHooks(endpointOfUsername, hub.hooks(), dps.hooks()) },
    );
    const port = broker.listening.find((l) => l.scheme === 'mqtts')?.port as number;
    const wssPort = broker.listening.find((l) => l.scheme === 'wss')?.port as number;
    state = { hub, dps, pki, port, wssPort };
  });
  afterAll(async () => {
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const get = (): X509Hub => state as X509Hub;
  return {
    get hub() {
      return get().hub;
    },
    get dps() {
      return get().dps;
    },
    get pki() {
      return get().pki;
    },
    get port() {
      return get().port;
    },
    get wssPort() {
      return get().wssPort;
    },
  };
}
