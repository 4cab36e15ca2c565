/**
 * Both MQTT clients (transport.client lean and mqttjs) through the Transport interface against a real Mosquitto of
 * our own: the same conformance checks on each, so the lean client behaves as the mqtt.js path did.
 */
import { type Server, type Socket, createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileScenarioText } from '../../src/scenario/index.js';
import type { TransportPlan } from '../../src/scenario/plan.js';
import { createMqttClientTransport } from '../../src/transports/mqtt-client.js';
import type { CloseInfo, Connection, ConnectOptions } from '../../src/transports/transport.js';
import { type PrivateMosquitto, startPrivateMosquitto } from '../support/private-mosquitto.js';

function plan(client: 'lean' | 'mqttjs', extra = ''): TransportPlan {
  const text = `
version: 1
name: clients
fleets:
  - { id: d, model: thermostat, count: 1, transport: { client: ${client}${extra} } }
phases: [{ kind: connect, rate: 10/s }]
`;
  return (compileScenarioText(text, 'clients.yaml').fleets[0] as { transport: TransportPlan }).transport;
}

let broker: PrivateMosquitto;
beforeAll(async () => {
  broker = await startPrivateMosquitto({ verbose: true });
});
afterAll(async () => {
  await broker.stop();
});

/** Connect one client; its closes and messages are recorded. */
async function open(client: 'lean' | 'mqttjs', clientId: string, opts: { extra?: string; url?: string; endpoint?: ConnectOptions['endpoint'] } = {}) {
  const closes: CloseInfo[] = [];
  const messages: Array<{ topic: string; payload: string }> = [];
  const transport = createMqttClientTransport(opts.url ?? broker.url, plan(client, opts.extra));
  const conn = await transport.connect({
    identity: { deviceId: clientId, clientId, username: undefined, password: undefined },
    onClose: (info) => closes.push(info),
    onMessage: (topic, payload) => messages.push({ topic, payload: payload.toString() }),
    ...(opts.endpoint === undefined ? {} : { endpoint: opts.endpoint }),
  });
  return { conn, closes, messages };
}

function publish(conn: Connection, topic: string, payload: string, qos: 0 | 1): Promise<Error | undefined> {
  return new Promise((resolve) => conn.publish(topic, payload, qos, resolve));
}

const until = async (cond: () => boolean, ms = 3000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
};

describe.each(['lean', 'mqttjs'] as const)('MQTT client %s against Mosquitto', (client) => {
  it('publishes QoS 0 and 1, subscribes, and receives its own messages; pending returns to 0', async () => {
    const id = `${client}-pubsub-${process.pid}`;
    const { conn, messages, closes } = await open(client, id);
    expect(await conn.subscribe([{ topic: `t/${id}/#`, qos: 1 }])).toEqual([1]);
    const results = await Promise.all([publish(conn, `t/${id}/a`, 'one', 1), publish(conn, `t/${id}/b`, 'two', 0), publish(conn, `t/${id}/a`, 'ü'.repeat(200), 1)]);
    expect(results).toEqual([undefined, undefined, undefined]);
    expect(conn.pending).toBe(0);
    await until(() => messages.length === 3);
    expect(messages.map((m) => m.topic).sort()).toEqual([`t/${id}/a`, `t/${id}/a`, `t/${id}/b`]);
    expect(messages.some((m) => m.payload === 'ü'.repeat(200))).toBe(true);
    await conn.close();
    expect(closes).toEqual([{ code: 'LOCAL_CLOSE', local: true }]);
    // A clean close sends DISCONNECT (Mosquitto logs it); publishing afterwards fails at once.
    await until(() => broker.log().includes(`Received DISCONNECT from ${id}`));
    expect(broker.log()).toContain(`Received DISCONNECT from ${id}`);
    expect(await publish(conn, `t/${id}/a`, 'late', 1)).toMatchObject({ code: 'NOT_CONNECTED' });
  });

  it('connects from the local address it is given (connection fan-out), to the endpoint URL it is given', async () => {
    const id = `${client}-src-${process.pid}`;
    // The transport's own URL is a closed port: only the endpoint gets it through.
    const { conn } = await open(client, id, { url: 'mqtt://127.0.0.1:1', endpoint: { url: broker.url, localAddress: '127.0.0.5' } });
    await until(() => broker.log().includes(`as ${id}`));
    expect(broker.log()).toMatch(new RegExp(`New client connected from 127\\.0\\.0\\.5:\\d+ as ${id}`));
    await conn.close();
  });

  it('keeps an idle connection alive with PINGREQ at the keepalive interval', async () => {
    const id = `${client}-ping-${process.pid}`;
    const { conn, closes } = await open(client, id, { extra: ', keepalive: 1s' });
    await until(() => broker.log().split(`Received PINGREQ from ${id}`).length > 2, 4000);
    expect(broker.log().split(`Received PINGREQ from ${id}`).length - 1).toBeGreaterThanOrEqual(2);
    expect(closes).toEqual([]);
    await conn.close();
  });

  it('drop() cuts the socket: in-flight QoS 1 fails with CONNECTION_LOST, the close is local', async () => {
    const id = `${client}-drop-${process.pid}`;
    const { conn, closes } = await open(client, id);
    const pending = publish(conn, `t/${id}`, 'x', 1);
    conn.drop();
    expect(await pending).toMatchObject({ code: 'CONNECTION_LOST' });
    await until(() => closes.length > 0);
    expect(closes).toEqual([{ code: 'LOCAL_CLOSE', local: true }]);
  });

  it('a broker that takes another connection with the same client id ends this one: CONNECTION_LOST, not local', async () => {
    const id = `${client}-takeover-${process.pid}`;
    const first = await open(client, id);
    const second = await open(client, id);
    await until(() => first.closes.length > 0);
    expect(first.closes).toEqual([{ code: 'CONNECTION_LOST', local: false }]);
    await second.conn.close();
  });

  it('refused and silent endpoints fail the connect with a code: ECONNREFUSED, CONNECT_TIMEOUT', async () => {
    const t = createMqttClientTransport('mqtt://127.0.0.1:1', plan(client, ', connectTimeout: 300ms'));
    const identity = { deviceId: 'x', clientId: `${client}-refused`, username: undefined, password: undefined };
    await expect(t.connect({ identity, onClose: () => {} })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    // A TCP listener that accepts and never answers the CONNECT.
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const s = createMqttClientTransport(`mqtt://127.0.0.1:${port}`, plan(client, ', connectTimeout: 300ms'));
    const started = Date.now();
    await expect(s.connect({ identity, onClose: () => {} })).rejects.toMatchObject({ code: 'CONNECT_TIMEOUT' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    for (const k of sockets) k.destroy();
    await new Promise((r) => silent.close(r));
  });

  it('MQTT 5: publishes and subscribes the same way', async () => {
    const id = `${client}-v5-${process.pid}`;
    const { conn, messages } = await open(client, id, { extra: ', mqttVersion: 5' });
    expect(await conn.subscribe([{ topic: `t5/${id}`, qos: 1 }])).toEqual([1]);
    expect(await publish(conn, `t5/${id}`, 'five', 1)).toBeUndefined();
    await until(() => messages.length === 1);
    expect(messages).toEqual([{ topic: `t5/${id}`, payload: 'five' }]);
    await conn.close();
  });
});
