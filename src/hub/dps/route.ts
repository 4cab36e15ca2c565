/**
 * One broker, two endpoints: real DPS is another host (global.azure-devices-provisioning.net), fleetsim's embedded
 * hub serves DPS and IoT Hub on the same listener. The endpoint is chosen per client at CONNECT by the username
 * shape (a DPS username `{scope}/registrations/{id}/api-version=…` → dps, anything else → hub) and remembered for
 * that client's other hooks. A missing hook behaves as the broker does without it.
 */
import { parseDpsUsername } from '../../iothub/index.js';
import type { BrokerClient, BrokerHooks } from '../broker.js';

export type Endpoint = 'hub' | 'dps';

/** The default endpoint choice: DPS when the username parses as a DPS username (reference §3, trap §0.8). */
export function endpointOfUsername(username: string | undefined): Endpoint {
  return username !== undefined && parseDpsUsername(username) !== undefined ? 'dps' : 'hub';
}

export function routeHooks(byClient: (username: string | undefined) => Endpoint, hub: BrokerHooks, dps: BrokerHooks): BrokerHooks {
  const chosen = new WeakMap<BrokerClient, BrokerHooks>();
  // Every client passes authenticate first; a client that somehow did not is the hub's (the stricter default).
  const of = (client: BrokerClient): BrokerHooks => chosen.get(client) ?? hub;
  return {
    authenticate(client, username, password) {
      const h = byClient(username) === 'dps' ? dps : hub;
      chosen.set(client, h);
      return h.authenticate === undefined ? 0 : h.authenticate(client, username, password);
    },
    authorizePublish(client, topic, payload, qos, retain) {
      const h = of(client);
      return h.authorizePublish === undefined ? 'forward' : h.authorizePublish(client, topic, payload, qos, retain);
    },
    authorizeSubscribe(client, filter, qos) {
      const h = of(client);
      return h.authorizeSubscribe === undefined ? qos : h.authorizeSubscribe(client, filter, qos);
    },
    authorizeForward(client, topic) {
      const h = of(client);
      return h.authorizeForward === undefined ? true : h.authorizeForward(client, topic);
    },
    acked(client, topic) {
      of(client).acked?.(client, topic);
    },
    connected(client) {
      of(client).connected?.(client);
    },
    disconnected(client) {
      of(client).disconnected?.(client);
    },
  };
}
