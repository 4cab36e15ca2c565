/**
 * The lean MQTT transport (scenario `transport.client: lean`, the default): MQTT 3.1.1 and 5 on mqtt-packet and bare
 * sockets, built for many idle-ish connections per thread (see connection.ts and docs/ARCHITECTURE.md). Same
 * Transport as the mqtt.js path, so devices and dialects (plain MQTT, IoT Hub) run on either.
 */
import type { TransportPlan } from '../../scenario/plan.js';
import type { ConnectOptions, Connection, Transport } from '../transport.js';
import { skipNumberCache } from './codec.js';
import { type LeanContext, LeanConnection, SHARED_READ } from './connection.js';
import { encodeConnect } from './frames.js';
import { type BrokerEndpoint, TlsSettings, openStream, parseEndpoint } from './socket.js';
import { Outbox, TimerWheel } from './wheel.js';

/** One wheel and one outbox per thread: every lean connection of a shard shares them. */
const wheel = new TimerWheel();
const outbox = new Outbox();

export function createLeanTransport(url: string, plan: TransportPlan): Transport {
  skipNumberCache();
  const ctx: LeanContext = {
    version: plan.protocolVersion,
    keepaliveMs: plan.keepaliveS * 1000,
    connectTimeoutMs: plan.connectTimeoutMs,
    wheel,
    outbox,
  };
  const tls = new TlsSettings(plan.tls);
  const endpoints = new Map<string, BrokerEndpoint>();
  const endpoint = (u: string): BrokerEndpoint => {
    let ep = endpoints.get(u);
    if (ep === undefined) {
      ep = parseEndpoint(u);
      endpoints.set(u, ep);
    }
    return ep;
  };
  return {
    connect(options: ConnectOptions): Promise<Connection> {
      const { identity } = options;
      return new Promise((resolve, reject) => {
        try {
          const frame = encodeConnect({
            protocolVersion: plan.protocolVersion,
            clientId: identity.clientId,
            clean: plan.cleanSession,
            keepaliveS: plan.keepaliveS,
            username: identity.username ?? plan.username,
            password: identity.password ?? plan.password,
          });
          const socket = openStream(endpoint(options.endpoint?.url ?? url), options.endpoint?.localAddress, tls, identity.clientCert, SHARED_READ);
          new LeanConnection(socket, ctx, options, frame, resolve, reject);
        } catch (err) {
          reject(err);
        }
      });
    },
  };
}
