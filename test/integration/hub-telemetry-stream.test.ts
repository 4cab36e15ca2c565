import { type Server, createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedHub, startEmbeddedHub } from '../../src/hub/embedded.js';
import type { TelemetryRecord } from '../../src/hub/telemetry/record.js';
import { WebhookSink } from '../../src/hub/telemetry/webhook.js';
import { createSasToken, deviceResource, hubUsername, parseIsoMicros } from '../../src/iothub/index.js';
import { mqtt } from '../../src/transports/mqtt/lib.js';

const KEY = Buffer.from('fleetsim telemetry stream test key!!').toString('base64');

let hub: EmbeddedHub;
beforeAll(async () => {
  // S1's real rates; the shaping queue short so that a burst of method calls reaches 429 at once.
  hub = await startEmbeddedHub(undefined, {
    hostName: 'stream.fleetsim.local',
    serviceKey: KEY,
    fleets: [],
    idScope: '0ne00000000',
    throttle: { tier: 'S1', units: 1, queueSeconds: 0.1 },
  });
});
afterAll(async () => {
  await hub.stop();
});

const auth = (): string =>
  createSasToken({ resourceUri: hub.iothub.hostName, keyBase64: KEY, expiry: Math.floor(Date.now() / 1000) + 600, policyName: 'iothubowner' });
const api = (path: string, init: RequestInit = {}): Promise<Response> =>
  fetch(`${hub.serviceUrl}${path}?api-version=2021-04-12`, { ...init, headers: { authorization: auth(), 'content-type': 'application/json', ...init.headers } });

describe('the telemetry stream on the service API', () => {
  it('GET /fleetsim/telemetry streams one NDJSON record per accepted message, with its enqueued time', async () => {
    const put = await api('/devices/s1', {
      method: 'PUT',
      body: JSON.stringify({ deviceId: 's1', authentication: { type: 'sas', symmetricKey: { primaryKey: KEY, secondaryKey: KEY } } }),
    });
    expect(put.status).toBe(200);
    const controller = new AbortController();
    const res = await fetch(`${hub.serviceUrl}/fleetsim/telemetry?api-version=2021-04-12`, { headers: { authorization: auth() }, signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const password = createSasToken({ resourceUri: deviceResource(hub.iothub.hostName, 's1'), keyBase64: KEY, expiry: Math.floor(Date.now() / 1000) + 600 });
    const device = mqtt.connect(hub.url, { clientId: 's1', username: hubUsername(hub.iothub.hostName, 's1'), password, reconnectPeriod: 0, protocolVersion: 4 });
    await new Promise((resolve) => device.once('connect', resolve));
    const sentAt: number[] = [];
    for (let i = 0; i < 5; i++) {
      sentAt.push(Date.now());
      await device.publishAsync('devices/s1/messages/events/%24.mid=m' + i, JSON.stringify({ i }), { qos: 1 });
    }
    const lines: TelemetryRecord[] = [];
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    while (lines.length < 5) {
      const { value } = await reader.read();
      text += Buffer.from(value as Uint8Array).toString('utf8');
      const parts = text.split('\n');
      text = parts.pop() ?? '';
      lines.push(...parts.map((l) => JSON.parse(l) as TelemetryRecord));
    }
    controller.abort();
    device.end(true);
    expect(lines.map((l) => [l.deviceId, l.properties['$.mid'], l.body])).toEqual([0, 1, 2, 3, 4].map((i) => ['s1', `m${i}`, { i }]));
    lines.forEach((l, i) => {
      const enqueued = parseIsoMicros(l.enqueuedTime);
      expect(enqueued).toBeGreaterThanOrEqual((sentAt[i] as number) - 1);
      expect(enqueued).toBeLessThan((sentAt[i] as number) + 1000);
    });
    const stats = (await (await api('/fleetsim/stats')).json()) as { telemetryAccepted: number; telemetryStream: { http: { streamed: number } } };
    expect(stats.telemetryAccepted).toBe(5);
    expect(stats.telemetryStream.http.streamed).toBe(5);
  });

  it('S1 direct methods over 40/s: 429 with a 429001 body on the service API, counted by the hub', async () => {
    const calls = await Promise.all(
      Array.from({ length: 150 }, () => api('/twins/nobody/methods', { method: 'POST', body: JSON.stringify({ methodName: 'ping', responseTimeoutInSeconds: 5 }) })),
    );
    const statuses = calls.map((r) => r.status);
    const throttled = calls.filter((r) => r.status === 429);
    // 40 at once + 4 shaped (0.1 s queue) + 40/s refilled while the calls arrive: even spread over 2 s, some are refused.
    expect(throttled.length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 404).length + throttled.length).toBe(150); // the others reach the device lookup
    expect(await throttled[0]?.json()).toMatchObject({ errorCode: 429001 });
    expect(throttled[0]?.headers.get('iothub-errorcode')).toBe('ThrottlingException');
    const stats = (await (await api('/fleetsim/stats')).json()) as { throttling: { classes: { methods: { throttled: number } } } };
    expect(stats.throttling.classes.methods.throttled).toBe(throttled.length);
  });
});

describe('the webhook sink', () => {
  let server: Server;
  let url: string;
  let received = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/down') {
          res.writeHead(500).end();
          return;
        }
        received += (JSON.parse(Buffer.concat(chunks).toString()) as unknown[]).length;
        setTimeout(() => res.writeHead(204).end(), 50);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const a = server.address();
    url = `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}`;
  });
  afterAll(() => {
    server.close();
  });

  const rec = (i: number): TelemetryRecord => ({ deviceId: 'd', enqueuedTime: '', properties: {}, bodyEncoding: 'json', body: i });

  it('a full queue drops new records and counts them; the rest is delivered in batches', async () => {
    const sink = new WebhookSink({ url: `${url}/ok`, maxQueue: 50, maxBatch: 20 });
    for (let i = 0; i < 80; i++) sink.write(rec(i));
    await sink.close();
    const s = sink.snapshot();
    expect(s.dropped).toEqual({ queueFull: 30, failed: 0 });
    expect(s.delivered).toBe(50);
    expect(received).toBe(50);
    expect(s.batches).toBeGreaterThanOrEqual(3);
  });

  it('a receiver that keeps failing: retried with backoff, then counted as failed with the last error', async () => {
    const sink = new WebhookSink({ url: `${url}/down`, attempts: 3, backoffMs: 10 });
    for (let i = 0; i < 5; i++) sink.write(rec(i));
    await sink.close();
    expect(sink.snapshot()).toMatchObject({ delivered: 0, retries: 2, dropped: { queueFull: 0, failed: 5 }, lastError: 'HTTP 500' });
  });
});
