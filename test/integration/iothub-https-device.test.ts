import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import type { DeviceCommand } from '../../src/devices/model.js';
import { type EmbeddedHub, startEmbeddedHub } from '../../src/hub/embedded.js';
import { EMBEDDED_HUB_HOST, EMBEDDED_ID_SCOPE, createSasToken } from '../../src/iothub/index.js';
import { compileScenarioText } from '../../src/scenario/index.js';
import { createTransport } from '../../src/transports/create.js';
import type { CloseInfo } from '../../src/transports/transport.js';

// fleetsim's own HTTPS device (transport.iothub.protocol: https) against the embedded hub in its worker thread:
// connect = a C2D poll that proves the SAS; C2D commands by polling, completed; a file upload into --blob-dir.
const GROUP_KEY = Buffer.from('group key of the https device tests').toString('base64');
const SERVICE_KEY = Buffer.from('service key of the https device tests').toString('base64');
let hub: EmbeddedHub;
let blobDir: string;

beforeAll(async () => {
  blobDir = mkdtempSync(join(tmpdir(), 'fleetsim-https-device-'));
  hub = await startEmbeddedHub(undefined, {
    hostName: EMBEDDED_HUB_HOST,
    serviceKey: SERVICE_KEY,
    fleets: [{ id: 'web', idPattern: '{fleet}-{index}', count: 2, groupKey: GROUP_KEY, provisioning: 'none' }],
    idScope: EMBEDDED_ID_SCOPE,
    blobDir,
  });
});
afterAll(async () => {
  await hub.stop();
  rmSync(blobDir, { recursive: true, force: true });
});

const plan = (groupKey: string) =>
  compileScenarioText(
    `
version: 1
seed: 3
fleets:
  - id: web
    model: thermostat
    count: 2
    idPattern: "{fleet}-{index}"
    transport: { dialect: iothub, iothub: { protocol: https, c2dPollInterval: 100ms, groupKey: "${groupKey}" } }
phases:
  - { kind: connect, rate: 10/s }
  - { kind: steady, duration: 1s }
`,
    'https-device.yaml',
  ).fleets[0]!;

const serviceAuth = () => createSasToken({ resourceUri: EMBEDDED_HUB_HOST, keyBase64: SERVICE_KEY, expiry: Math.floor(Date.now() / 1000) + 600, policyName: 'iothubowner' });

describe('fleetsim devices over IoT Hub HTTPS against the embedded hub', () => {
  it('connect polls C2D with a valid SAS; a C2D command arrives by polling and is completed; a wrong key fails as NOT_AUTHORIZED', async () => {
    const f = plan(GROUP_KEY);
    const transport = createTransport({ url: hub.url, httpUrl: hub.deviceUrl }, f.transport, systemClock);
    const commands: Array<DeviceCommand | undefined> = [];
    const closes: CloseInfo[] = [];
    const identity = { deviceId: 'web-0', clientId: 'web-0', username: undefined, password: undefined };
    const conn = await transport.connect({ identity, onClose: (i) => closes.push(i), onDownlink: (_k, cmd) => (commands.push(cmd), { status: 200 }) });
    const sent = await fetch(`${hub.serviceUrl}/devices/web-0/messages/deviceBound?api-version=2021-04-12`, {
      method: 'POST',
      headers: { authorization: serviceAuth(), 'content-type': 'application/json' },
      body: JSON.stringify({ command: 'setTelemetryInterval', payload: { seconds: 5 } }),
    });
    expect(sent.status).toBe(204);
    const until = Date.now() + 3000;
    while (commands.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(commands).toEqual([{ name: 'setTelemetryInterval', payload: { seconds: 5 } }]);
    await new Promise((r) => setTimeout(r, 100));
    const queue = await fetch(`${hub.serviceUrl}/devices/web-0/messages/deviceBound/queue?api-version=2021-04-12`, { headers: { authorization: serviceAuth() } });
    expect(await queue.json()).toEqual({ deviceId: 'web-0', pendingCount: 0 }); // completed by the device
    const acked = await new Promise<Error | undefined>((resolve) => conn.publish('devices/web-0/messages/events/%24.ct=application%2Fjson&k=v', '{"t":1}', 1, resolve));
    expect(acked).toBeUndefined();
    await conn.close();
    expect(closes.map((c) => c.local)).toEqual([true]);

    const wrong = createTransport({ url: hub.url, httpUrl: hub.deviceUrl }, plan(Buffer.from('a different group key, 32 bytes!').toString('base64')).transport, systemClock);
    await expect(wrong.connect({ identity, onClose: () => {} })).rejects.toMatchObject({ code: 'NOT_AUTHORIZED' });
  });

  it('uploadFile runs the four steps into the hub’s blob directory; the service reads the notification', async () => {
    const f = plan(GROUP_KEY);
    const transport = createTransport({ url: hub.url, httpUrl: hub.deviceUrl }, f.transport, systemClock);
    const body = new Uint8Array(100_000).fill(42);
    await transport.uploadFile?.('web-1', 'log.bin', body);
    expect(readFileSync(join(blobDir, 'fleetsim-uploads', 'web-1', 'log.bin')).equals(Buffer.from(body))).toBe(true);
    const res = await fetch(`${hub.serviceUrl}/messages/serviceBound/filenotifications?api-version=2021-04-12&wait=2`, { headers: { authorization: serviceAuth() } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject([{ deviceId: 'web-1', blobName: 'web-1/log.bin', blobSizeInBytes: 100_000 }]);
    const none = await fetch(`${hub.serviceUrl}/messages/serviceBound/filenotifications?api-version=2021-04-12`, { headers: { authorization: serviceAuth() } });
    expect(none.status).toBe(204); // each notification is delivered once
  });
});
