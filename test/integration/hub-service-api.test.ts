/**
 * The embedded hub's service REST API over real sockets: an http server on 127.0.0.1 with the handler, global fetch
 * as the service, and raw mqtt.js devices on the gateway's broker (so a desired patch, a method call and a C2D
 * message are seen arriving on the wire).
 */
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { createServiceApi } from '../../src/hub/service-api/index.js';
import {
  DESIRED_SUBSCRIPTION,
  METHODS_SUBSCRIPTION,
  c2dSubscription,
  createSasToken,
  deviceResource,
  hubUsername,
  parsePropertyBag,
} from '../../src/iothub/index.js';
import type { MqttClient } from '../../src/transports/mqtt/lib.js';
import { connectRaw } from '../support/raw-mqtt.js';
import { HUB_HOST, SERVICE_KEY, useIotHub } from '../support/iothub.js';

const hub = useIotHub();
const API_VERSION = '2021-04-12';
const KEY = Buffer.from('0123456789abcdef0123456789abcdef').toString('base64');
const OTHER_KEY = Buffer.from('fedcba9876543210fedcba9876543210').toString('base64');

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer(createServiceApi(hub.gateway, { hostName: HUB_HOST, serviceKey: SERVICE_KEY, clock: systemClock }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const nowS = () => Math.floor(Date.now() / 1000);

function serviceToken(o: { expiry?: number; key?: string; resource?: string; skn?: string } = {}): string {
  return createSasToken({
    resourceUri: o.resource ?? HUB_HOST,
    keyBase64: o.key ?? SERVICE_KEY,
    expiry: o.expiry ?? nowS() + 3600,
    policyName: o.skn ?? 'iothubowner',
  });
}

interface Call {
  body?: unknown;
  raw?: string | Buffer;
  headers?: Record<string, string>;
  token?: string | null;
  apiVersion?: string | null;
  contentType?: string;
}

async function api(method: string, path: string, c: Call = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const url = new URL(path, base);
  const version = c.apiVersion === undefined ? API_VERSION : c.apiVersion;
  if (version !== null) url.searchParams.set('api-version', version);
  const headers: Record<string, string> = { ...c.headers };
  const token = c.token === undefined ? serviceToken() : c.token;
  if (token !== null) headers.authorization = token;
  let body: string | Buffer | undefined;
  if (c.body !== undefined) {
    body = JSON.stringify(c.body);
    headers['content-type'] = c.contentType ?? 'application/json';
  } else if (c.raw !== undefined) {
    body = c.raw;
    if (c.contentType !== undefined) headers['content-type'] = c.contentType;
  }
  const res = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text), headers: res.headers };
}

function createDevice(deviceId: string): Promise<{ status: number; body: any }> {
  return api('PUT', `/devices/${deviceId}`, {
    body: { deviceId, status: 'enabled', authentication: { type: 'sas', symmetricKey: { primaryKey: KEY, secondaryKey: KEY } } },
  });
}

/** Connect a raw device (mqtts, SAS password) to the gateway's broker. */
function connect(deviceId: string): Promise<MqttClient> {
  const password = createSasToken({ resourceUri: deviceResource(HUB_HOST, deviceId), keyBase64: KEY, expiry: nowS() + 3600 });
  return connectRaw(hub.port, hub.cert, { clientId: deviceId, username: hubUsername(HUB_HOST, deviceId), password });
}

function subscribe(client: MqttClient, filter: string, qos: 0 | 1): Promise<void> {
  return new Promise((resolve, reject) => client.subscribe(filter, { qos }, (err) => (err ? reject(err) : resolve())));
}

function nextMessage(client: MqttClient, prefix: string): Promise<{ topic: string; payload: Buffer }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message on ${prefix} within 5 s`)), 5000);
    const on = (topic: string, payload: Buffer) => {
      if (!topic.startsWith(prefix)) return;
      clearTimeout(timer);
      client.off('message', on);
      resolve({ topic, payload });
    };
    client.on('message', on);
  });
}

describe('service API: authentication and protocol', () => {
  it('refuses a missing, badly signed, expired, device-scoped or other-policy token with IoT Hub 401 body', async () => {
    const cases: [string, string | null, string][] = [
      ['missing', null, 'missing'],
      ['bad signature', serviceToken({ key: OTHER_KEY }), 'bad-signature'],
      ['expired', serviceToken({ expiry: nowS() - 10 }), 'expired'],
      ['wrong resource', serviceToken({ resource: deviceResource(HUB_HOST, 'dev-x') }), 'wrong-resource'],
      ['other host', serviceToken({ resource: 'other-hub.azure-devices.net' }), 'wrong-resource'],
      ['other policy', serviceToken({ skn: 'device' }), 'wrong-policy'],
      ['not a SAS', 'Bearer abc', 'malformed'],
    ];
    for (const [what, token, reason] of cases) {
      const r = await api('GET', '/statistics/devices', { token });
      expect(r.status, what).toBe(401);
      expect(r.headers.get('iothub-errorcode'), what).toBe('IotHubUnauthorizedAccess');
      expect(r.headers.get('x-fleetsim-auth-failure'), what).toBe(reason);
      expect(r.body.Message, what).toBe('ErrorCode:IotHubUnauthorizedAccess;Unauthorized');
      expect(r.body.ExceptionMessage, what).toMatch(/^Tracking ID:[0-9a-f]{32}-G:0-TimeStamp:\d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d$/);
    }
    const ok = await api('GET', '/statistics/devices');
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ totalDeviceCount: expect.any(Number), enabledDeviceCount: expect.any(Number), disabledDeviceCount: expect.any(Number) });
  });

  it('answers 404 for an unknown path, 405 for a wrong method, 400 without or with another api-version', async () => {
    const unknown = await api('GET', '/nothing/here');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ errorCode: 404000, message: expect.stringContaining('/nothing/here') });
    const wrong = await api('DELETE', '/statistics/devices');
    expect(wrong.status).toBe(405);
    expect(wrong.body.errorCode).toBe(405000);
    const missing = await api('GET', '/statistics/devices', { apiVersion: null });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ errorCode: 400001, message: expect.stringContaining('api-version') });
    expect((await api('GET', '/statistics/devices', { apiVersion: '2018-06-30' })).status).toBe(400);
  });

  it('wants JSON where JSON is expected, and refuses bodies over 256 KB', async () => {
    const notJson = await api('PUT', '/devices/proto-1', { raw: '{"deviceId":"proto-1"}', contentType: 'text/plain' });
    expect(notJson.status).toBe(400);
    expect(notJson.body.errorCode).toBe(400004);
    const noType = await api('PUT', '/devices/proto-1', { raw: '{"deviceId":"proto-1"}' });
    expect(noType.status).toBe(400);
    const broken = await api('PUT', '/devices/proto-1', { raw: '{"deviceId":', contentType: 'application/json; charset=utf-8' });
    expect(broken.status).toBe(400);
    expect(broken.body.errorCode).toBe(400006);
    const huge = await api('PUT', '/devices/proto-1', { body: { deviceId: 'proto-1', pad: 'x'.repeat(300 * 1024) } });
    expect(huge.status).toBe(413);
    expect(huge.body.errorCode).toBe(413001);
    expect((await api('GET', '/devices/proto-1')).status).toBe(404);
  });
});

describe('service API: registry', () => {
  it('creates, refuses a duplicate (409), updates with If-Match (412 on a stale etag), reads, lists and deletes', async () => {
    const created = await api('PUT', '/devices/reg-1', { body: { deviceId: 'reg-1' } });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      deviceId: 'reg-1',
      status: 'enabled',
      connectionState: 'Disconnected',
      cloudToDeviceMessageCount: 0,
      authentication: { type: 'sas', symmetricKey: { primaryKey: expect.any(String), secondaryKey: expect.any(String) } },
      capabilities: { iotEdge: false },
    });
    expect(created.headers.get('etag')).toBe(`"${created.body.etag}"`);

    const dup = await api('PUT', '/devices/reg-1', { body: { deviceId: 'reg-1' } });
    expect(dup.status).toBe(409);
    expect(dup.body).toEqual({ errorCode: 409001, message: expect.stringContaining('reg-1') });
    expect(dup.headers.get('iothub-errorcode')).toBe('DeviceAlreadyExists');

    const stale = await api('PUT', '/devices/reg-1', { body: { deviceId: 'reg-1', status: 'disabled' }, headers: { 'if-match': '"not-the-etag"' } });
    expect(stale.status).toBe(412);
    expect(stale.body.errorCode).toBe(412001);

    const updated = await api('PUT', '/devices/reg-1', {
      body: { deviceId: 'reg-1', status: 'disabled', statusReason: 'maintenance' },
      headers: { 'if-match': `"${created.body.etag}"` },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ status: 'disabled', statusReason: 'maintenance' });
    expect(updated.body.etag).not.toBe(created.body.etag);
    expect(updated.body.authentication.symmetricKey).toEqual(created.body.authentication.symmetricKey);

    const mismatch = await api('PUT', '/devices/reg-2', { body: { deviceId: 'reg-1' } });
    expect(mismatch.status).toBe(400);

    expect((await api('GET', '/devices/reg-1')).body).toMatchObject({ deviceId: 'reg-1', status: 'disabled' });
    const unknown = await api('GET', '/devices/no-such-device');
    expect(unknown.status).toBe(404);
    expect(unknown.body.errorCode).toBe(404001);

    await createDevice('reg-2');
    const listed = await api('GET', '/devices?top=2');
    expect(listed.status).toBe(200);
    expect(listed.body).toHaveLength(2);
    expect((await api('GET', '/devices?top=0')).status).toBe(400);
    const all = await api('GET', '/devices');
    expect(all.body.map((d: { deviceId: string }) => d.deviceId)).toEqual(expect.arrayContaining(['reg-1', 'reg-2']));

    const stats = await api('GET', '/statistics/devices');
    expect(stats.body.totalDeviceCount).toBe(hub.gateway.registry.count());
    expect(stats.body.disabledDeviceCount).toBeGreaterThanOrEqual(1);

    expect((await api('DELETE', '/devices/reg-1', { headers: { 'if-match': '"stale"' } })).status).toBe(412);
    const deleted = await api('DELETE', '/devices/reg-1', { headers: { 'if-match': `"${updated.body.etag}"` } });
    expect(deleted.status).toBe(204);
    expect((await api('GET', '/devices/reg-1')).status).toBe(404);
    expect((await api('GET', '/twins/reg-1')).status).toBe(404);
    expect((await api('DELETE', '/devices/reg-1')).status).toBe(404);
  });

  it('deleting a device drops its twin and its C2D queue', async () => {
    await createDevice('reg-3');
    await api('PATCH', '/twins/reg-3', { body: { tags: { site: 'old' } } });
    expect((await api('POST', '/devices/reg-3/messages/deviceBound', { raw: 'hello' })).status).toBe(204);
    expect(hub.gateway.c2d.depth('reg-3')).toBe(1);
    expect((await api('DELETE', '/devices/reg-3')).status).toBe(204);
    expect(hub.gateway.c2d.depth('reg-3')).toBe(0);
    await createDevice('reg-3');
    expect((await api('GET', '/twins/reg-3')).body.tags).toEqual({});
    expect((await api('GET', '/devices/reg-3/messages/deviceBound/queue')).body).toEqual({ deviceId: 'reg-3', pendingCount: 0 });
  });

  it('bulk: create, update and delete up to 100 per call, per-device errors as BulkRegistryOperationResult', async () => {
    await createDevice('bulk-0');
    const r = await api('POST', '/devices', {
      body: [
        { id: 'bulk-1', importMode: 'create', status: 'enabled', authentication: { type: 'sas', symmetricKey: { primaryKey: KEY, secondaryKey: KEY } } },
        { id: 'bulk-2', importMode: 'create' },
        { id: 'bulk-0', importMode: 'create' },
        { id: 'bulk-2', importMode: 'update', status: 'disabled' },
        { id: 'bulk-9', importMode: 'update', status: 'disabled' },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      isSuccessful: false,
      errors: [
        { deviceId: 'bulk-0', errorCode: 'DeviceAlreadyExists', errorStatus: expect.any(String), operation: 'create' },
        { deviceId: 'bulk-2', errorCode: 'DeviceDefinedMultipleTimes', errorStatus: expect.any(String), operation: 'update' },
        { deviceId: 'bulk-9', errorCode: 'DeviceNotFound', errorStatus: expect.any(String), operation: 'update' },
      ],
      warnings: [],
    });
    expect(hub.gateway.registry.get('bulk-1').authentication.symmetricKey.primaryKey).toBe(KEY);
    const ok = await api('POST', '/devices', {
      body: [
        { id: 'bulk-1', importMode: 'update', status: 'disabled' },
        { id: 'bulk-2', importMode: 'delete' },
      ],
    });
    expect(ok.body).toEqual({ isSuccessful: true, errors: [], warnings: [] });
    expect(hub.gateway.registry.get('bulk-1').status).toBe('disabled');
    expect(hub.gateway.registry.has('bulk-2')).toBe(false);

    const tooMany = await api('POST', '/devices', { body: Array.from({ length: 101 }, (_, i) => ({ id: `bulk-many-${i}`, importMode: 'create' })) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.message).toMatch(/100/);
    expect(hub.gateway.registry.has('bulk-many-0')).toBe(false);
    expect((await api('POST', '/devices', { body: [{ id: 'bulk-x', importMode: 'upsert' }] })).status).toBe(400);
  });
});

describe('service API: twins', () => {
  it('reads, patches tags and desired (If-Match, 412 when stale), replaces, and 404s an unknown device', async () => {
    await createDevice('twin-1');
    const t0 = await api('GET', '/twins/twin-1');
    expect(t0.status).toBe(200);
    expect(t0.body).toMatchObject({ deviceId: 'twin-1', tags: {}, properties: { desired: { $version: 1 }, reported: { $version: 1 } } });

    const p = await api('PATCH', '/twins/twin-1', {
      body: { tags: { site: 'berlin', rack: { row: 3 } }, properties: { desired: { interval: 30, mode: { eco: true } } } },
      headers: { 'if-match': `"${t0.body.etag}"` },
    });
    expect(p.status).toBe(200);
    expect(p.body.tags).toEqual({ site: 'berlin', rack: { row: 3 } });
    expect(p.body.properties.desired).toMatchObject({ interval: 30, mode: { eco: true }, $version: 2 });
    expect(p.body.etag).not.toBe(t0.body.etag);

    const stale = await api('PATCH', '/twins/twin-1', { body: { tags: { site: 'paris' } }, headers: { 'if-match': `"${t0.body.etag}"` } });
    expect(stale.status).toBe(412);
    expect(stale.body.errorCode).toBe(412001);
    expect(hub.gateway.twins.fullTwin('twin-1').tags.site).toBe('berlin');

    const reported = await api('PATCH', '/twins/twin-1', { body: { properties: { reported: { x: 1 } } } });
    expect(reported.status).toBe(400);
    const badKey = await api('PATCH', '/twins/twin-1', { body: { tags: { 'a.b': 1 } } });
    expect(badKey.status).toBe(400);

    const r = await api('PUT', '/twins/twin-1', { body: { tags: { owner: 'ops' }, properties: { desired: { interval: 60 } } } });
    expect(r.status).toBe(200);
    expect(r.body.tags).toEqual({ owner: 'ops' });
    const { $metadata: _m, $version: _v, ...desired } = r.body.properties.desired;
    expect(desired).toEqual({ interval: 60 });

    const missing = await api('GET', '/twins/no-such-device');
    expect(missing.status).toBe(404);
    expect(missing.body.errorCode).toBe(404001);
    expect((await api('PATCH', '/twins/no-such-device', { body: { tags: { a: 1 } } })).status).toBe(404);
  });

  it('a desired PATCH and a desired replacement reach the connected device', async () => {
    await createDevice('twin-live');
    const device = await connect('twin-live');
    try {
      await subscribe(device, DESIRED_SUBSCRIPTION, 0);
      const first = nextMessage(device, '$iothub/twin/PATCH/properties/desired/');
      const p = await api('PATCH', '/twins/twin-live', { body: { properties: { desired: { fan: { speed: 2 }, led: 'on' } } } });
      expect(p.status).toBe(200);
      const m1 = await first;
      expect(m1.topic).toBe('$iothub/twin/PATCH/properties/desired/?$version=2');
      expect(JSON.parse(m1.payload.toString())).toEqual({ fan: { speed: 2 }, led: 'on', $version: 2 });

      const second = nextMessage(device, '$iothub/twin/PATCH/properties/desired/');
      expect((await api('PUT', '/twins/twin-live', { body: { properties: { desired: { fan: { speed: 3 } } } } })).status).toBe(200);
      const m2 = await second;
      expect(JSON.parse(m2.payload.toString())).toEqual({ fan: { speed: 3 }, led: null, $version: 3 });
    } finally {
      device.end(true);
    }
  });
});

describe('service API: direct methods', () => {
  it('a method call is answered by the raw device: { status, payload }', async () => {
    await createDevice('meth-1');
    const device = await connect('meth-1');
    try {
      device.on('message', (topic, payload) => {
        const m = /^\$iothub\/methods\/POST\/([^/]+)\/\?\$rid=(.+)$/.exec(topic);
        if (m === null) return;
        const req = JSON.parse(payload.toString());
        device.publish(`$iothub/methods/res/201/?$rid=${m[2]}`, JSON.stringify({ method: m[1], got: req }), { qos: 0 });
      });
      await subscribe(device, METHODS_SUBSCRIPTION, 0);
      const r = await api('POST', '/twins/meth-1/methods', {
        body: { methodName: 'reboot', payload: { delay: 5 }, responseTimeoutInSeconds: 10, connectTimeoutInSeconds: 0 },
      });
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ status: 201, payload: { method: 'reboot', got: { delay: 5 } } });
    } finally {
      device.end(true);
    }
  });

  it('404103 when the device is offline, 404001 when unknown, 400 on a bad timeout, 504101 on no answer', async () => {
    await createDevice('meth-off');
    const off = await api('POST', '/twins/meth-off/methods', { body: { methodName: 'ping', payload: null, responseTimeoutInSeconds: 5 } });
    expect(off.status).toBe(404);
    expect(off.body).toEqual({ errorCode: 404103, message: expect.any(String) });
    expect((await api('POST', '/twins/no-such-device/methods', { body: { methodName: 'ping' } })).body.errorCode).toBe(404001);
    expect((await api('POST', '/twins/meth-off/methods', { body: { methodName: 'ping', responseTimeoutInSeconds: 1 } })).status).toBe(400);
    expect((await api('POST', '/twins/meth-off/methods', { body: { payload: 1 } })).status).toBe(400);

    await createDevice('meth-mute');
    const mute = await connect('meth-mute');
    try {
      await subscribe(mute, METHODS_SUBSCRIPTION, 0);
      const t = await api('POST', '/twins/meth-mute/methods', { body: { methodName: 'ping', payload: {}, responseTimeoutInSeconds: 5 } });
      expect(t.status).toBe(504);
      expect(t.body.errorCode).toBe(504101);
    } finally {
      mute.end(true);
    }
  }, 20_000);
});

describe('service API: cloud-to-device', () => {
  it('a C2D message sent over HTTP is queued while offline and received by the raw device with its properties', async () => {
    await createDevice('c2d-1');
    const sent = await api('POST', '/devices/c2d-1/messages/deviceBound', {
      raw: '{"cmd":"blink"}',
      contentType: 'application/json',
      headers: {
        'iothub-messageid': 'msg-1',
        'iothub-correlationid': 'corr-1',
        'iothub-ack': 'full',
        'iothub-expiry': new Date(Date.now() + 60_000).toISOString(),
        'iothub-app-Colour': 'red',
      },
    });
    expect(sent.status).toBe(204);
    expect((await api('GET', '/devices/c2d-1/messages/deviceBound/queue')).body).toEqual({ deviceId: 'c2d-1', pendingCount: 1 });
    expect((await api('GET', '/devices/c2d-1')).body.cloudToDeviceMessageCount).toBe(1);
    // The headers reached the queue (the absolute expiry too: the gateway does not put `$.exp` on the topic yet).
    expect(hub.gateway.c2d.peek('c2d-1')[0]).toMatchObject({ explicitExpiry: true, ack: 'full', properties: { Colour: 'red' } });

    const device = await connect('c2d-1');
    try {
      const got = nextMessage(device, 'devices/c2d-1/messages/devicebound/');
      await subscribe(device, c2dSubscription('c2d-1'), 1);
      const m = await got;
      expect(m.payload.toString()).toBe('{"cmd":"blink"}');
      const props = parsePropertyBag(m.topic.slice('devices/c2d-1/messages/devicebound/'.length));
      expect(props).toMatchObject({ messageId: 'msg-1', correlationId: 'corr-1', app: { 'iothub-ack': 'full', Colour: 'red' } });
      // Completed on the PUBACK mqtt.js sends after the message event.
      await new Promise((r) => setTimeout(r, 200));
      expect((await api('GET', '/devices/c2d-1/messages/deviceBound/queue')).body.pendingCount).toBe(0);
    } finally {
      device.end(true);
    }
  });

  it('404 for an unknown device, 400 for a bad iothub-ack or expiry, 413 over 64 KB, 403004 beyond 50 queued', async () => {
    expect((await api('POST', '/devices/no-such-device/messages/deviceBound', { raw: 'x' })).body.errorCode).toBe(404001);
    expect((await api('GET', '/devices/no-such-device/messages/deviceBound/queue')).status).toBe(404);
    await createDevice('c2d-2');
    expect((await api('POST', '/devices/c2d-2/messages/deviceBound', { raw: 'x', headers: { 'iothub-ack': 'always' } })).status).toBe(400);
    expect((await api('POST', '/devices/c2d-2/messages/deviceBound', { raw: 'x', headers: { 'iothub-expiry': 'soon' } })).status).toBe(400);
    expect((await api('POST', '/devices/c2d-2/messages/deviceBound', { raw: Buffer.alloc(65 * 1024) })).body.errorCode).toBe(413001);
    for (let i = 0; i < 50; i++) expect((await api('POST', '/devices/c2d-2/messages/deviceBound', { raw: `m${i}` })).status).toBe(204);
    const full = await api('POST', '/devices/c2d-2/messages/deviceBound', { raw: 'one too many' });
    expect(full.status).toBe(403);
    expect(full.body.errorCode).toBe(403004);
  });
});

describe('service API: query', () => {
  it('returns matching twins, honours x-ms-max-item-count, and gives the position of a syntax error', async () => {
    for (const [id, site] of [['q-1', 'oslo'], ['q-2', 'oslo'], ['q-3', 'rome']] as const) {
      await createDevice(id);
      await api('PATCH', `/twins/${id}`, { body: { tags: { site } } });
    }
    const r = await api('POST', '/devices/query', { body: { query: "SELECT * FROM devices WHERE tags.site = 'oslo'" } });
    expect(r.status).toBe(200);
    expect(r.body.map((t: { deviceId: string }) => t.deviceId)).toEqual(['q-1', 'q-2']);
    expect(r.headers.get('x-ms-item-type')).toBe('twin');
    expect(r.body[0]).toMatchObject({ deviceId: 'q-1', etag: expect.any(String), tags: { site: 'oslo' }, properties: { desired: {}, reported: {} } });

    const page = await api('POST', '/devices/query', { body: { query: "SELECT * FROM devices WHERE tags.site = 'oslo'" }, headers: { 'x-ms-max-item-count': '1' } });
    expect(page.body).toHaveLength(1);

    const count = await api('POST', '/devices/query', { body: { query: "SELECT COUNT() AS n FROM devices WHERE tags.site = 'rome'" } });
    expect(count.body).toEqual([{ n: 1 }]);
    expect(count.headers.get('x-ms-item-type')).toBe('raw');

    const bad = await api('POST', '/devices/query', { body: { query: 'SELECT * FROM devices WHERE tags.site = ' } });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ errorCode: 400004, message: expect.stringMatching(/position \d+/) });
    expect((await api('POST', '/devices/query', { body: { sql: 'SELECT * FROM devices' } })).status).toBe(400);
    // GET /devices/query is the device called "query", not the query endpoint.
    expect((await api('GET', '/devices/query')).body.errorCode).toBe(404001);
  });
});
