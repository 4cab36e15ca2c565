/**
 * X.509 through the service REST API, as IoT Hub shapes it: devices created with `authentication.type` selfSigned
 * (x509Thumbprint) or certificateAuthority, trusted CAs under /certificates; raw mqtt.js devices then connect over TLS
 * with their certificates (and are refused once their CA is deleted).
 */
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { type CertKeyPair, createRootCa, createSelfSignedClientCert, issueClientCert, thumbprints } from '../../src/core/x509.js';
import { createServiceApi } from '../../src/hub/service-api/index.js';
import { createSasToken, hubUsername } from '../../src/iothub/index.js';
import { mqtt } from '../../src/transports/mqtt/lib.js';
import { HUB_HOST, SERVICE_KEY } from '../support/iothub.js';
import { useX509Hub } from '../support/x509-hub.js';

const env = useX509Hub();
let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer(createServiceApi(env.hub, { hostName: HUB_HOST, serviceKey: SERVICE_KEY, clock: systemClock }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const token = createSasToken({ resourceUri: HUB_HOST, keyBase64: SERVICE_KEY, expiry: Math.floor(Date.now() / 1000) + 600, policyName: 'iothubowner' });
  const res = await fetch(`${base}${path}?api-version=2021-04-12`, {
    method,
    headers: { authorization: token, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

/** CONNACK code of an X.509 device connecting over TLS with this certificate (0 = accepted). */
function connackOf(deviceId: string, pair: CertKeyPair): Promise<number> {
  return new Promise((resolve) => {
    const c = mqtt.connect(`mqtts://127.0.0.1:${env.port}`, {
      clientId: deviceId,
      username: hubUsername(HUB_HOST, deviceId),
      cert: pair.cert,
      key: pair.key,
      ca: env.pki.ca.cert,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    c.once('connect', () => {
      c.end(true);
      resolve(0);
    });
    c.once('error', (err: Error & { code?: number }) => {
      c.end(true);
      resolve(typeof err.code === 'number' ? err.code : -1);
    });
  });
}

describe('X.509 devices and trusted CAs through the service API', () => {
  it('PUT /devices/{id} with selfSigned thumbprints: IoT Hub JSON shape, and the device connects with that certificate', async () => {
    const pair = await createSelfSignedClientCert({ commonName: 'svc-self' });
    const t = thumbprints(pair.cert);
    const put = await api('PUT', '/devices/svc-self', { deviceId: 'svc-self', authentication: { type: 'selfSigned', x509Thumbprint: { primaryThumbprint: t.sha256, secondaryThumbprint: t.sha1 } } });
    expect(put.status).toBe(200);
    expect(put.body.authentication).toEqual({
      symmetricKey: { primaryKey: null, secondaryKey: null },
      x509Thumbprint: { primaryThumbprint: t.sha256, secondaryThumbprint: t.sha1 },
      type: 'selfSigned',
    });
    expect(await connackOf('svc-self', pair)).toBe(0);
    expect(await connackOf('svc-self', await createSelfSignedClientCert({ commonName: 'svc-self' }))).toBe(5);
    const bad = await api('PUT', '/devices/svc-bad', { deviceId: 'svc-bad', authentication: { type: 'selfSigned', x509Thumbprint: { primaryThumbprint: 'not-hex' } } });
    expect(bad.status).toBe(400);
  });

  it('/certificates: add (201), list, get; certificateAuthority devices connect until the CA is deleted', async () => {
    const ca = await createRootCa({ commonName: 'service api CA' });
    const added = await api('PUT', '/certificates/svc-ca', { properties: { certificate: ca.cert } });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ name: 'svc-ca', properties: { subject: 'CN=service api CA', thumbprint: thumbprints(ca.cert).sha1, isVerified: true } });
    expect((await api('GET', '/certificates')).body.value.map((c: { name: string }) => c.name)).toContain('svc-ca');
    expect((await api('GET', '/certificates/svc-ca')).status).toBe(200);
    expect((await api('PUT', '/devices/svc-ca-dev', { deviceId: 'svc-ca-dev', authentication: { type: 'certificateAuthority' } })).status).toBe(200);
    const leaf = await issueClientCert(ca, { commonName: 'svc-ca-dev' });
    expect(await connackOf('svc-ca-dev', leaf)).toBe(0);
    expect((await api('DELETE', '/certificates/svc-ca')).status).toBe(200);
    expect(await connackOf('svc-ca-dev', leaf)).toBe(5);
    expect((await api('GET', '/certificates/svc-ca')).status).toBe(404);
    expect((await api('PUT', '/certificates/svc-bad', { properties: { certificate: 'not a certificate' } })).status).toBe(400);
  });
});
