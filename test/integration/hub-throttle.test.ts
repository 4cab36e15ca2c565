import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { type Broker, startBroker } from '../../src/hub/broker.js';
import { IotHubGateway, type IotHubGatewayOptions } from '../../src/hub/iothub-gateway.js';
import { createSasToken, deviceResource, enqueuedTimeOf, hubUsername } from '../../src/iothub/index.js';
import { type MqttClient, mqtt } from '../../src/transports/mqtt/lib.js';

const HOST = 'throttle-test.azure-devices.net';
const SERVICE_KEY = Buffer.from('fleetsim throttle test service key!!').toString('base64');
const KEY = Buffer.from('fleetsim throttle test device key!!!').toString('base64');

let broker: Broker | undefined;
const clients: MqttClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.end(true);
  await broker?.close();
  broker = undefined;
});

async function hub(options: Partial<IotHubGatewayOptions> = {}, devices = ['d1']): Promise<{ gateway: IotHubGateway; url: string }> {
  const gateway = new IotHubGateway({ hostName: HOST, serviceKey: SERVICE_KEY, clock: systemClock, timers: { setTimeout, clearTimeout }, ...options });
  gateway.registry.createMany(devices.map((deviceId) => ({ deviceId, authentication: { type: 'sas' as const, primaryKey: KEY, secondaryKey: KEY } })));
  broker = await startBroker([{ scheme: 'mqtt', host: '127.0.0.1', port: 0 }], { hooks: gateway.hooks() });
  return { gateway, url: (broker.listening[0] as { url: string }).url };
}

/** Resolves on CONNACK 0; rejects with the CONNACK code in `code`. */
function connect(url: string, deviceId: string): Promise<MqttClient> {
  const password = createSasToken({ resourceUri: deviceResource(HOST, deviceId), keyBase64: KEY, expiry: Math.floor(Date.now() / 1000) + 600 });
  return login(url, { clientId: deviceId, username: hubUsername(HOST, deviceId), password });
}

function service(url: string): Promise<MqttClient> {
  const password = createSasToken({ resourceUri: HOST, keyBase64: SERVICE_KEY, expiry: Math.floor(Date.now() / 1000) + 600, policyName: 'iothubowner' });
  return login(url, { clientId: '$service-test', username: `${HOST}/$service`, password });
}

function login(url: string, o: { clientId: string; username: string; password: string }): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { ...o, reconnectPeriod: 0, protocolVersion: 4, clean: true });
    clients.push(c);
    c.once('connect', () => resolve(c));
    c.once('error', (err: Error & { code?: number }) => reject(Object.assign(new Error(err.message), { code: err.code })));
  });
}

const closed = (c: MqttClient): Promise<void> => new Promise((resolve) => (c.disconnected ? resolve() : c.once('close', () => resolve())));

describe('IoT Hub tier throttling on the MQTT gateway (reference §5)', () => {
  it('off by default: a burst far over any tier is neither delayed nor counted', async () => {
    const { gateway, url } = await hub();
    const d = await connect(url, 'd1');
    await Promise.all(Array.from({ length: 300 }, (_, i) => d.publishAsync('devices/d1/messages/events/', JSON.stringify({ i }), { qos: 1 })));
    expect(gateway.throttle.enabled).toBe(false);
    expect(gateway.throttle.counters()).toBeUndefined();
    expect(gateway.stats.telemetry).toBe(300);
  });

  it('F1 D2C over 100/s: the burst is accepted, then PUBACKs are delayed (shaping), then the connection is closed', async () => {
    const { gateway, url } = await hub({ throttle: { tier: 'F1', queueSeconds: 1 } });
    const consumer = await service(url);
    const enqueued: number[] = [];
    await consumer.subscribeAsync('devices/+/messages/events/#', { qos: 1 });
    consumer.on('message', (topic) => enqueued.push(enqueuedTimeOf(topic) ?? Number.NaN));
    const d = await connect(url, 'd1');
    const start = Date.now();
    const acks: number[] = [];
    for (let i = 0; i < 400; i++) {
      d.publish('devices/d1/messages/events/', JSON.stringify({ i }), { qos: 1 }, (err) => {
        if (err === undefined || err === null) acks.push(Date.now() - start);
      });
    }
    await closed(d); // unacknowledged publishes stay pending in mqtt.js: not awaited
    const c = gateway.throttle.counters();
    // F1: max(100, 12 × 1) per second with one second of burst; then a 1 s shaping queue at 100/s (plus what the
    // bucket refilled while the burst arrived), then the connection is closed.
    expect(c?.classes.d2c.accepted).toBeGreaterThanOrEqual(100);
    expect(c?.classes.d2c.accepted).toBeLessThan(130); // plus what refilled while the burst arrived (a loaded machine)
    expect(c?.classes.d2c.shaped).toBeGreaterThanOrEqual(95);
    expect(c?.classes.d2c.maxDelayMs).toBeGreaterThan(900);
    expect(c?.classes.d2c.throttled).toBeGreaterThanOrEqual(1);
    expect(c?.droppedConnections.throttle).toBeGreaterThanOrEqual(1);
    // The burst's PUBACKs came at once, shaped ones later (those still queued when the connection closed never came).
    expect(acks.length).toBeGreaterThan(120);
    expect(acks.filter((ms) => ms < 200).length).toBeGreaterThanOrEqual(100);
    expect(Math.max(...acks)).toBeGreaterThan(300);
    await new Promise((r) => setTimeout(r, 100));
    expect(enqueued.length).toBe(gateway.stats.telemetry);
    expect(enqueued.every((t) => Number.isFinite(t) && t >= start - 5)).toBe(true);
    expect(Math.max(...enqueued) - start).toBeGreaterThan(300); // stamped on acceptance, after the shaping delay
  });

  it('twin GETs over the rate: shaped, then $iothub/twin/res/429/ with a 429001 body', async () => {
    const { gateway, url } = await hub({ throttle: { tier: 'F1', queueSeconds: 0.5 } });
    const d = await connect(url, 'd1');
    await d.subscribeAsync('$iothub/twin/res/#', { qos: 0 });
    const statuses: Record<string, number> = {};
    const bodies: string[] = [];
    const all = new Promise<void>((resolve) => {
      let n = 0;
      d.on('message', (topic, payload) => {
        const status = /res\/(\d+)\//.exec(topic)?.[1] ?? '?';
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (status === '429') bodies.push(payload.toString());
        if (++n === 200) resolve();
      });
    });
    for (let i = 0; i < 200; i++) d.publish(`$iothub/twin/GET/?$rid=${i}`, ' ', { qos: 0 });
    await all;
    // 100 burst + 0.5 s × 100/s shaped (give or take what the bucket refills while the requests arrive), the rest refused.
    expect(statuses['200']).toBeGreaterThanOrEqual(150);
    expect(statuses['429']).toBeGreaterThanOrEqual(30);
    expect((statuses['200'] ?? 0) + (statuses['429'] ?? 0)).toBe(200);
    expect(JSON.parse(bodies[0] as string)).toMatchObject({ errorCode: 429001 });
    const twin = gateway.throttle.counters()?.classes.twinReads;
    expect(twin?.throttled).toBe(statuses['429']);
    expect((twin?.accepted ?? 0) + (twin?.shaped ?? 0)).toBe(statuses['200']);
  });

  it('F1 daily quota (8,000 blocks of 0.5 KB) spent: live connections dropped, CONNECT refused with CONNACK 3', async () => {
    const { gateway, url } = await hub({ throttle: { tier: 'F1' } }, ['d1', 'd2']);
    const other = await connect(url, 'd2');
    const d = await connect(url, 'd1');
    const topic = 'devices/d1/messages/events/';
    const body = Buffer.alloc(500 * 512 - topic.length, 120); // metered with its topic: exactly 500 blocks
    for (let i = 0; i < 15; i++) await d.publishAsync(topic, body, { qos: 1 });
    expect(gateway.throttle.counters()?.quota).toMatchObject({ used: 7500, limit: 8000 });
    void d.publishAsync(topic, body, { qos: 1 }).catch(() => undefined);
    await Promise.all([closed(d), closed(other)]);
    const refused = await connect(url, 'd1').then(
      () => 0,
      (err: { code?: number }) => err.code,
    );
    expect(refused).toBe(3);
    const c = gateway.throttle.counters();
    expect(c?.quota).toMatchObject({ used: 8000, limit: 8000, connectsRefused: 1 });
    expect(c?.droppedConnections.quota).toBe(2);
  });
});
