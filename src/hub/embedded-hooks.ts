import { parseHubUsername } from '../iothub/index.js';
import { SERVICE_PREFIX } from './iothub/connect-auth.js';
import type { BrokerClient, BrokerHooks } from './broker.js';
import type { IotHubGateway } from './iothub-gateway.js';

/**
 * The embedded hub serves two kinds of clients on one listener: IoT Hub devices and service clients (an IoT Hub
 * username, or a `$service…` client id), judged by the IoT Hub gateway; and plain MQTT clients (anything else), which
 * get a plain broker outside IoT Hub's namespaces: they can neither publish to nor see `devices/…` and `$…` topics.
 * The choice is made at CONNECT and kept for the client's life.
 */
export function embeddedHooks(gateway: IotHubGateway): BrokerHooks {
  const hub = gateway.hooks();
  const iot = new WeakSet<BrokerClient>();
  const services = new WeakSet<BrokerClient>();
  const reserved = (topic: string): boolean => topic.startsWith('devices/') || topic.startsWith('$');
  return {
    authenticate(client, username, password) {
      const service = client.id.startsWith(SERVICE_PREFIX);
      if (!service && (username === undefined || parseHubUsername(username) === undefined)) return 0; // plain MQTT
      iot.add(client);
      if (service) services.add(client);
      return hub.authenticate?.(client, username, password) ?? 0;
    },
    authorizePublish(client, topic, payload, qos, retain) {
      if (iot.has(client)) return hub.authorizePublish?.(client, topic, payload, qos, retain) ?? 'forward';
      return reserved(topic) ? 'refuse' : 'forward';
    },
    authorizeSubscribe(client, filter, qos) {
      const granted = Math.min(qos, 1);
      // A service client (the run observer) also reads plain fleets' topics when a run mixes dialects.
      if (services.has(client) && !reserved(filter)) return granted;
      if (iot.has(client)) return hub.authorizeSubscribe?.(client, filter, qos) ?? null;
      return filter.startsWith('devices/') || (filter.startsWith('$') && !filter.startsWith('$SYS')) ? null : qos;
    },
    authorizeForward(client, topic) {
      if (services.has(client) && !reserved(topic)) return true;
      if (iot.has(client)) return hub.authorizeForward?.(client, topic) ?? false;
      return !reserved(topic) || topic.startsWith('$SYS');
    },
    acked: (client, topic) => {
      if (iot.has(client)) hub.acked?.(client, topic);
    },
    disconnected: (client) => {
      if (iot.has(client)) hub.disconnected?.(client);
    },
  };
}
