/**
 * ConnectOptions.endpoint through the mqtt.js transport: the connection goes to the endpoint's URL, from its local
 * source address. A TCP relay in front of the embedded hub sees the address each connection really comes from.
 */
import { type Server, type Socket, createConnection, createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMqttTransport } from '../../src/transports/mqtt/client.js';
import type { TransportPlan } from '../../src/scenario/plan.js';
import { compileScenarioText } from '../../src/scenario/index.js';
import { useEmbeddedHub } from '../support/brokers.js';

const hub = useEmbeddedHub();

/** The plain-MQTT transport plan of a minimal scenario's fleet. */
function transportPlanOf(): TransportPlan {
  const fleet = compileScenarioText('version: 1\nfleets: [{ id: a, model: thermostat, count: 1 }]\nphases: [{ kind: connect, rate: 10/s }]\n', 'inline.yaml').fleets[0];
  if (fleet === undefined) throw new Error('no fleet compiled');
  return fleet.transport;
}
const transportPlan = transportPlanOf();

describe('connection fan-out in the mqtt.js transport', () => {
  let relay: Server;
  let relayUrl = '';
  const sources: string[] = [];
  const sockets: Socket[] = [];

  beforeAll(async () => {
    const upstream = new URL(hub.url);
    relay = createServer((down) => {
      sources.push(down.remoteAddress ?? '?');
      const up = createConnection({ host: upstream.hostname, port: Number(upstream.port) });
      sockets.push(down, up);
      down.pipe(up).pipe(down);
      down.on('error', () => up.destroy());
      up.on('error', () => down.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const addr = relay.address();
    relayUrl = `mqtt://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => relay.close(r));
  });

  it('connects to the endpoint URL from the local address it names, not to its own URL', async () => {
    // The transport's own URL is a closed port: only the endpoint can make this connection succeed.
    const transport = createMqttTransport('mqtt://127.0.0.1:1', transportPlan);
    const identity = { deviceId: 'fan-1', clientId: 'fan-1', username: undefined, password: undefined };
    for (const localAddress of ['127.0.0.7', '127.0.0.9']) {
      const conn = await transport.connect({ identity: { ...identity, clientId: `fan-${localAddress}` }, onClose: () => {}, endpoint: { url: relayUrl, localAddress } });
      await new Promise<void>((resolve, reject) => conn.publish('fan/out', 'x', 1, (err) => (err ? reject(err) : resolve())));
      await conn.close();
    }
    const plain = await transport.connect({ identity, onClose: () => {}, endpoint: { url: relayUrl, localAddress: undefined } });
    await plain.close();
    expect(sources).toEqual(['127.0.0.7', '127.0.0.9', '127.0.0.1']);
  });
});
