/**
 * An IoT Hub gateway and a DPS gateway on one TLS broker (routeHooks picks the endpoint per client by its username),
 * for the whole test file, as fleetsim's embedded hub serves both.
 */
import { afterAll, beforeAll } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { type Broker, startBroker } from '../../src/hub/broker.js';
import { DpsGateway, type DpsGatewayOptions, assignToHub, endpointOfUsername, routeHooks } from '../../src/hub/dps/index.js';
import { IotHubGateway } from '../../src/hub/iothub-gateway.js';
import { HUB_HOST, SERVICE_KEY, localhostCert } from './iothub.js';

export const ID_SCOPE = '0ne0000F1EE';

export interface TestDps {
  readonly hub: IotHubGateway;
  readonly dps: DpsGateway;
  readonly cert: Buffer;
  /** mqtts port on 127.0.0.1 serving both endpoints. */
  readonly port: number;
}

export function useDps(options: Partial<Pick<DpsGatewayOptions, 'pollsBeforeAssigned' | 'retryAfterS'>> = {}): TestDps {
  let broker: Broker | undefined;
  let state: TestDps | undefined;
  beforeAll(async () => {
    const tls = localhostCert();
    const hub = new IotHubGateway({ hostName: HUB_HOST, serviceKey: SERVICE_KEY, clock: systemClock, timers: { setTimeout, clearTimeout } });
    const dps = new DpsGateway({ idScope: ID_SCOPE, assignedHub: HUB_HOST, clock: systemClock, assign: assignToHub(hub), ...options });
    broker = await startBroker([{ scheme: 'mqtts', host: '127.0.0.1', port: 0, tls }], { hooks: routeHooks(endpointOfUsername, hub.hooks(), dps.hooks()) });
    state = { hub, dps, cert: tls.cert, port: broker.listening[0]?.port as number };
  });
  afterAll(async () => {
    await broker?.close();
  });
  const get = (): TestDps => state as TestDps;
  return {
    get hub() {
      return get().hub;
    },
    get dps() {
      return get().dps;
    },
    get cert() {
      return get().cert;
    },
    get port() {
      return get().port;
    },
  };
}
