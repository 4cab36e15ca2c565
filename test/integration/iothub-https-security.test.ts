import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { createSasToken, deviceResource, fleetDeviceKey } from '../../src/iothub/index.js';
import { compileScenarioText } from '../../src/scenario/index.js';
import { createTransport } from '../../src/transports/create.js';
import { hubRequest, useHttpHub } from '../support/device-http.js';
import { HUB_HOST } from '../support/iothub.js';

const hub = useHttpHub();
const KEY_A = Buffer.from('key of device A for the https tests').toString('base64');
const KEY_B = Buffer.from('key of device B for the https tests').toString('base64');
const V = 'api-version=2021-04-12';

function register(deviceId: string, key: string): void {
  if (!hub.gateway.registry.has(deviceId)) hub.gateway.registry.create({ deviceId, authentication: { type: 'sas', primaryKey: key, secondaryKey: key } });
}

const sas = (deviceId: string, key: string, expiry = Math.floor(Date.now() / 1000) + 3600) =>
  createSasToken({ resourceUri: deviceResource(HUB_HOST, deviceId), keyBase64: key, expiry });

const post = (path: string, auth: string, body: unknown) =>
  hubRequest(hub, 'POST', path, { authorization: auth, 'content-type': 'application/json' }, JSON.stringify(body));

describe('device HTTPS endpoints: authentication and limits', () => {
  it('refuses a bad signature, an expired token, a missing one, and device A posting as B (401, IoT Hub body); unknown device 404001', async () => {
    register('sec-a', KEY_A);
    register('sec-b', KEY_B);
    const before = hub.gateway.stats.telemetry;
    const ok = await post(`/devices/sec-a/messages/events?${V}`, sas('sec-a', KEY_A), { t: 1 });
    expect(ok.status).toBe(204);
    const cases = [
      ['bad-signature', sas('sec-a', KEY_B)],
      ['expired', sas('sec-a', KEY_A, Math.floor(Date.now() / 1000) - 10)],
      ['missing', ''],
      ['wrong-resource', sas('sec-a', KEY_A)], // A's own valid token, posted to B's path
    ] as const;
    for (const [reason, token] of cases) {
      const path = reason === 'wrong-resource' ? '/devices/sec-b/messages/events' : '/devices/sec-a/messages/events';
      const res = await post(`${path}?${V}`, token, { t: 2 });
      expect(res.status, reason).toBe(401);
      expect(res.headers['iothub-errorcode']).toBe('IotHubUnauthorizedAccess');
      expect(res.headers['x-fleetsim-auth-failure']).toBe(reason);
      expect(JSON.parse(res.body)).toMatchObject({ Message: 'ErrorCode:IotHubUnauthorizedAccess;Unauthorized' });
    }
    expect(hub.gateway.stats.telemetry).toBe(before + 1); // nothing refused got through
    expect(hub.device.stats.unauthorized).toMatchObject({ 'bad-signature': 1, expired: 1, missing: 1, 'wrong-resource': 1 });
    const unknown = await post(`/devices/nobody/messages/events?${V}`, sas('nobody', KEY_A), {});
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toMatchObject({ errorCode: 404001 });
  });

  it('refuses oversize telemetry (413001) and a missing api-version (400001)', async () => {
    register('sec-size', KEY_A);
    const big = await hubRequest(hub, 'POST', `/devices/sec-size/messages/events?${V}`, { authorization: sas('sec-size', KEY_A) }, Buffer.alloc(256 * 1024 + 1));
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body)).toMatchObject({ errorCode: 413001 });
    const noVersion = await post('/devices/sec-size/messages/events', sas('sec-size', KEY_A), {});
    expect(JSON.parse(noVersion.body)).toMatchObject({ errorCode: 400001 });
  });

  it('C2D over HTTPS: receive (etag = lock token, IoT Hub headers), abandon → redelivered, reject → gone; unknown lock 412002', async () => {
    register('sec-c2d', KEY_A);
    const auth = { authorization: sas('sec-c2d', KEY_A) };
    expect((await hubRequest(hub, 'GET', `/devices/sec-c2d/messages/devicebound?${V}`, auth)).status).toBe(204);
    hub.gateway.sendC2d('sec-c2d', { body: 'x', messageId: 'm1', properties: { p: 'v' } });
    const first = await hubRequest(hub, 'GET', `/devices/sec-c2d/messages/devicebound?${V}`, auth);
    expect(first.status).toBe(200);
    expect(first.body).toBe('x');
    expect(first.headers).toMatchObject({ 'iothub-messageid': 'm1', 'iothub-app-p': 'v', 'iothub-deliverycount': '0' });
    const lock = String(first.headers.etag).replaceAll('"', '');
    expect((await hubRequest(hub, 'POST', `/devices/sec-c2d/messages/devicebound/${lock}/abandon?${V}`, auth)).status).toBe(204);
    const again = await hubRequest(hub, 'GET', `/devices/sec-c2d/messages/devicebound?${V}`, auth);
    expect(again.headers['iothub-deliverycount']).toBe('1');
    const lock2 = String(again.headers.etag).replaceAll('"', '');
    expect((await hubRequest(hub, 'DELETE', `/devices/sec-c2d/messages/devicebound/${lock2}?reject&${V}`, auth)).status).toBe(204);
    expect(hub.gateway.c2d.depth('sec-c2d')).toBe(0);
    const lost = await hubRequest(hub, 'DELETE', `/devices/sec-c2d/messages/devicebound/${lock2}?${V}`, auth);
    expect(lost.status).toBe(412);
    expect(JSON.parse(lost.body)).toMatchObject({ errorCode: 412002 });
  });

  it('file upload: a tampered or foreign blob SAS is 403 AuthenticationFailed; the 11th concurrent upload is 403006; oversize blob 413', async () => {
    register('sec-up', KEY_A);
    register('sec-up2', KEY_B);
    const auth = sas('sec-up', KEY_A);
    const init = await post(`/devices/sec-up/files?${V}`, auth, { blobName: 'f0.txt' });
    expect(init.status).toBe(200);
    const info = JSON.parse(init.body) as { correlationId: string; hostName: string; containerName: string; blobName: string; sasToken: string };
    expect(info.sasToken.startsWith('?')).toBe(true);
    expect(info.blobName).toBe('sec-up/f0.txt');
    const blobPath = `/${info.containerName}/${info.blobName}`;
    const put = (path: string, token: string, body: Buffer | string = 'data') => hubRequest(hub, 'PUT', `${path}${token}`, { 'x-ms-blob-type': 'BlockBlob' }, body);
    const tampered = info.sasToken.replace(/se=[^&]+/, 'se=2099-01-01T00%3A00%3A00Z');
    const bad = await put(blobPath, tampered);
    expect(bad.status).toBe(403);
    expect(bad.headers['x-ms-error-code']).toBe('AuthenticationFailed');
    expect((await put('/fleetsim-uploads/sec-up2/stolen.txt', info.sasToken)).status).toBe(403); // another blob with this token
    expect((await put(blobPath, '')).status).toBe(403);
    expect((await put(blobPath, info.sasToken, Buffer.alloc(1024 * 1024 + 1))).status).toBe(413);
    expect((await put(blobPath, info.sasToken)).status).toBe(201);
    // Nine more in progress make ten; the eleventh is refused until one is notified.
    for (let i = 1; i < 10; i++) expect((await post(`/devices/sec-up/files?${V}`, auth, { blobName: `f${i}.txt` })).status).toBe(200);
    const eleventh = await post(`/devices/sec-up/files?${V}`, auth, { blobName: 'f10.txt' });
    expect(eleventh.status).toBe(403);
    expect(JSON.parse(eleventh.body)).toMatchObject({ errorCode: 403006 });
    // B cannot complete A's upload; A can (the Node SDK's path form), which frees a slot.
    expect((await post(`/devices/sec-up2/files/notifications?${V}`, sas('sec-up2', KEY_B), { correlationId: info.correlationId, isSuccess: true })).status).toBe(400);
    const done = await post(`/devices/sec-up/files/notifications/${encodeURIComponent(info.correlationId)}?${V}`, auth, { correlationId: info.correlationId, isSuccess: true, statusCode: 200, statusDescription: 'ok' });
    expect(done.status).toBe(204);
    expect((await post(`/devices/sec-up/files?${V}`, auth, { blobName: 'f10.txt' })).status).toBe(200);
    expect(hub.device.uploads.stats.refusedTooMany).toBe(1);
    expect(hub.device.stats.refused['403006']).toBe(1);
  });
});

describe("fleetsim's own HTTPS device over TLS (transport.tls.ca trusted, as a hub with a private CA needs)", () => {
  it('connects, sends telemetry and uploads a file through https://127.0.0.1:port with the fleet CA', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleetsim-https-ca-'));
    try {
      writeFileSync(join(dir, 'ca.pem'), hub.cert);
      const groupKey = Buffer.from('group key for the TLS device test').toString('base64');
      const plan = compileScenarioText(
        `
version: 1
fleets:
  - id: tlsdev
    model: thermostat
    count: 1
    transport:
      dialect: iothub
      iothub: { hostName: ${HUB_HOST}, protocol: https, groupKey: "${groupKey}", httpsUrl: "${hub.httpsUrl}" }
      tls: { ca: ca.pem, servername: localhost }
phases:
  - { kind: connect, rate: 1/s }
`,
        join(dir, 'tls.yaml'),
      );
      const f = plan.fleets[0]!;
      register('tlsdev-000000', fleetDeviceKey(groupKey, 'tlsdev-000000'));
      const transport = createTransport({ url: 'mqtt://127.0.0.1:1', httpUrl: undefined }, f.transport, systemClock);
      const identity = { deviceId: 'tlsdev-000000', clientId: 'tlsdev-000000', username: undefined, password: undefined };
      const conn = await transport.connect({ identity, onClose: () => {} });
      const before = hub.gateway.stats.telemetry;
      const err = await new Promise<Error | undefined>((resolve) => conn.publish('devices/tlsdev-000000/messages/events/', '{"t":1}', 1, resolve));
      expect(err).toBeUndefined();
      expect(hub.gateway.stats.telemetry).toBe(before + 1);
      await transport.uploadFile?.('tlsdev-000000', 'tls.bin', new Uint8Array(5000).fill(1));
      expect(readFileSync(join(hub.blobDir, 'fleetsim-uploads', 'tlsdev-000000', 'tls.bin')).length).toBe(5000);
      await conn.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
