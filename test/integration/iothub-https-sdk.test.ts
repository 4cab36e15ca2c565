import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Client, Message } from 'azure-iot-device';
import { Http } from 'azure-iot-device-http';
import { afterAll, describe, expect, it } from 'vitest';
import { createSasToken } from '../../src/iothub/index.js';
import { subscribe } from '../../src/transports/mqtt/subscriber.js';
import { redirectingAgent, useHttpHub } from '../support/device-http.js';
import { HUB_HOST, SERVICE_KEY } from '../support/iothub.js';

const hub = useHttpHub();
const KEY = Buffer.from('0123456789abcdef0123456789abcdef').toString('base64');
const clients: Client[] = [];
afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
});

function register(deviceId: string): void {
  if (!hub.gateway.registry.has(deviceId)) hub.gateway.registry.create({ deviceId, authentication: { type: 'sas', primaryKey: KEY, secondaryKey: KEY } });
}

/** The SDK over HTTP: it dials https://{HostName}:443, so an agent sends its requests to the test server. */
async function sdkClient(deviceId: string): Promise<Client> {
  const client = Client.fromConnectionString(`HostName=${HUB_HOST};DeviceId=${deviceId};SharedAccessKey=${KEY}`, Http);
  clients.push(client);
  await client.setOptions({ ca: hub.cert.toString(), http: { agent: redirectingAgent(hub.httpsPort, hub.cert), receivePolicy: { interval: 1 } } } as never);
  return client;
}

const serviceToken = () => createSasToken({ resourceUri: HUB_HOST, keyBase64: SERVICE_KEY, expiry: Math.floor(Date.now() / 1000) + 3600, policyName: 'iothubowner' });

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the Azure IoT device SDK over HTTP (azure-iot-device-http) against the embedded hub', () => {
  it('sends telemetry with properties; a service consumer gets it on the MQTT telemetry topic, as MQTT telemetry', async () => {
    register('http-telemetry');
    const seen: Array<{ topic: string; body: string }> = [];
    const consumer = await subscribe(hub.mqttUrl, ['devices/+/messages/events/#'], 1, (topic, body) => seen.push({ topic, body: body.toString() }), {
      security: { username: `${HUB_HOST}/$service`, password: serviceToken() },
      clientId: `$service-${process.pid}`,
    });
    try {
      const client = await sdkClient('http-telemetry');
      const message = new Message(JSON.stringify({ temperature: 21.5 }));
      message.messageId = 'm1';
      message.contentType = 'application/json';
      message.contentEncoding = 'utf-8';
      message.properties.add('alert', 'hi there');
      await client.sendEvent(message);
      await client.sendEventBatch([new Message('a'), new Message('b')]);
      await until(() => seen.length >= 3);
      // As the hub forwards it: the device's properties, then the system properties IoT Hub stamps (enqueued time, …).
      expect(seen[0]?.topic.startsWith(
        'devices/http-telemetry/messages/events/%24.mid=m1&%24.to=%2Fdevices%2Fhttp-telemetry%2Fmessages%2Fevents&%24.ct=application%2Fjson&%24.ce=utf-8&alert=hi%20there&',
      ), seen[0]?.topic).toBe(true);
      expect(seen[0]?.topic).toMatch(/iothub-enqueuedtime=\d+/);
      expect(seen[0]?.body).toBe('{"temperature":21.5}');
      expect(seen.slice(1).map((m) => m.body)).toEqual(['a', 'b']);
      expect(hub.gateway.stats.telemetry).toBe(3); // each message counted once
    } finally {
      await consumer.close();
    }
  });

  it('receives a C2D message by polling and completes it; the lock token is the etag', async () => {
    register('http-c2d');
    const client = await sdkClient('http-c2d');
    hub.gateway.sendC2d('http-c2d', { body: 'hello', messageId: 'c1', properties: { kind: 'greeting' } });
    const got = await new Promise<Message>((resolve, reject) => {
      client.on('error', reject);
      client.on('message', (m: Message) => resolve(m));
      void client.open();
    });
    expect(got.getData().toString()).toBe('hello');
    expect(got.messageId).toBe('c1');
    expect(got.lockToken).toBe(hub.gateway.c2d.peek('http-c2d')[0]?.lockToken);
    await client.complete(got);
    expect(hub.gateway.c2d.depth('http-c2d')).toBe(0);
    expect(hub.gateway.c2d.stats.completed).toBe(1);
  });

  it('uploads a file with uploadToBlob (@azure/storage-blob against the blob endpoint); the service gets a file notification', async () => {
    register('http-upload');
    const client = await sdkClient('http-upload');
    const data = Buffer.alloc(300 * 1024, 7);
    // The SDK's blob client builds https://{hostName}/… from the hub's answer and trusts only public CAs: for this
    // one call, accept the test server's self-signed certificate.
    const before = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    try {
      await client.uploadToBlob('readings.bin', Readable.from([data]), data.length);
    } finally {
      if (before === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      else process.env.NODE_TLS_REJECT_UNAUTHORIZED = before;
    }
    expect(readFileSync(join(hub.blobDir, 'fleetsim-uploads', 'http-upload', 'readings.bin')).equals(data)).toBe(true);
    expect(hub.device.blobs.stats.putBlock + hub.device.blobs.stats.putBlob).toBeGreaterThan(0);
    const res = await fetchWithCa(`${hub.httpsUrl}/messages/serviceBound/filenotifications?api-version=2021-04-12`, { authorization: serviceToken() });
    expect(res.status).toBe(200);
    const notes = JSON.parse(res.body) as Array<Record<string, unknown>>;
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ deviceId: 'http-upload', blobName: 'http-upload/readings.bin', blobSizeInBytes: data.length });
    expect(hub.device.uploads.activeCount('http-upload')).toBe(0);
  });
});

/** GET with node:https trusting the test certificate. */
async function fetchWithCa(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, ca: hub.cert, servername: 'localhost' }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
