/**
 * `fleetsim hub` (built, spawned): TLS by default with a CA made in its data directory on first start and kept on the
 * next; its HTTP API (service REST API, device HTTPS endpoints) is HTTPS with the same certificate; fleetsim's own
 * X.509 fleet then runs against it over secure WebSockets (wss://…/$iothub/websocket), and an HTTPS device sends
 * telemetry and uploads a file to it trusting the CA.
 */
import { type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { createRootCa } from '../../src/core/x509.js';
import { createSasToken, fleetDeviceKey } from '../../src/iothub/index.js';
import { compileScenarioText } from '../../src/scenario/index.js';
import { createTransport } from '../../src/transports/create.js';
import { fleetsim } from '../support/cli.js';

const dataDir = mkdtempSync(join(tmpdir(), 'fleetsim-hub-e2e-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

interface RunningHub {
  readonly stderr: string;
  readonly child: ChildProcess;
  readonly done: Promise<unknown>;
}

/** Start `fleetsim hub` on free ports (TLS ones unless `tls` is false); resolves once it printed its banner. */
function startHub(args: string[], tls = true): Promise<RunningHub> {
  const ports = tls ? ['--mqtts-port', '0', '--wss-port', '0'] : ['--mqtts-port', '-1', '--wss-port', '-1'];
  return new Promise((resolve, reject) => {
    let child: ChildProcess | undefined;
    let text = '';
    const done = fleetsim(['hub', ...ports, '--http-port', '0', '--data-dir', dataDir, ...args], {
      onStderr: (chunk, c) => {
        child = c;
        text += chunk;
        if (text.includes('Ctrl-C to stop.')) resolve({ stderr: text, child: c, done });
      },
    });
    void done.then((r) => (child === undefined || !text.includes('Ctrl-C') ? reject(new Error(`hub exited: ${r.stderr}`)) : undefined));
  });
}

async function stop(hub: RunningHub): Promise<void> {
  hub.child.kill('SIGINT');
  await hub.done;
}

const HUB = 'embedded.fleetsim.local';
const serviceToken = (serviceKey: string): string =>
  createSasToken({ resourceUri: HUB, keyBase64: serviceKey, expiry: Math.floor(Date.now() / 1000) + 600, policyName: 'iothubowner' });

/** One request to the hub's HTTP API: an https:// URL trusting `ca` (the hub's CA file; absent: the system's CAs only), or http://. */
function call(url: string, method: string, headers: Record<string, string>, body?: string, ca?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const onResponse = (res: import('node:http').IncomingMessage): void => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    };
    const req = url.startsWith('https:') ? httpsRequest(url, { method, headers, ...(ca === undefined ? {} : { ca }) }, onResponse) : httpRequest(url, { method, headers }, onResponse);
    req.setTimeout(5000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/** The URLs and key `fleetsim hub` printed. */
function printed(stderr: string): { serviceUrl: string; deviceUrl: string; serviceKey: string } {
  const serviceUrl = /IoT Hub service API: (\S+) /.exec(stderr)?.[1];
  const deviceUrl = /IoT Hub device HTTPS endpoints: (\S+)\/devices\//.exec(stderr)?.[1];
  const serviceKey = /SharedAccessKeyName=iothubowner;SharedAccessKey=(\S+)/.exec(stderr)?.[1];
  expect(serviceUrl && deviceUrl && serviceKey, stderr).toBeTruthy();
  return { serviceUrl: serviceUrl as string, deviceUrl: deviceUrl as string, serviceKey: serviceKey as string };
}

describe('fleetsim hub with TLS', () => {
  it('prints its TLS listeners and the CA path; a second start keeps the same CA', async () => {
    const first = await startHub([]);
    await stop(first);
    const caFile = join(dataDir, 'ca.pem');
    expect(first.stderr).toMatch(/listening on mqtts:\/\/127\.0\.0\.1:\d+/);
    expect(first.stderr).toMatch(/listening on wss:\/\/127\.0\.0\.1:\d+/);
    expect(first.stderr).not.toMatch(/listening on mqtt:\/\//); // plain MQTT only with --plain
    expect(first.stderr).toContain(`CA certificate: ${caFile} (created now)`);
    expect(first.stderr).toContain(`NODE_EXTRA_CA_CERTS=${caFile}`);
    expect(statSync(join(dataDir, 'ca.key')).mode & 0o777).toBe(0o600);
    const ca = readFileSync(caFile, 'utf8');

    const second = await startHub(['--plain', '--port', '0']);
    await stop(second);
    expect(second.stderr).toContain(`CA certificate: ${caFile} (kept from an earlier start)`);
    expect(second.stderr).toMatch(/listening on mqtt:\/\/127\.0\.0\.1:\d+/);
    expect(readFileSync(caFile, 'utf8')).toBe(ca);
  }, 60_000);

  it('serves the service API and device endpoints over HTTPS with the CA-issued certificate; plain HTTP is refused', async () => {
    const hub = await startHub([]);
    try {
      const { serviceUrl, deviceUrl, serviceKey } = printed(hub.stderr);
      expect(serviceUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(deviceUrl).toBe(serviceUrl);
      const ca = readFileSync(join(dataDir, 'ca.pem'), 'utf8');
      const auth = { authorization: serviceToken(serviceKey) };
      const stats = await call(`${serviceUrl}/fleetsim/stats?api-version=2021-04-12`, 'GET', auth, undefined, ca);
      expect(stats.status).toBe(200);
      expect(JSON.parse(stats.body)).toHaveProperty('telemetryAccepted', 0);
      // Not trusting the CA: the TLS handshake fails; plain http to the same port gets no HTTP answer.
      await expect(call(`${serviceUrl}/fleetsim/stats`, 'GET', auth)).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
      await expect(call(`${serviceUrl.replace('https:', 'http:')}/fleetsim/stats`, 'GET', auth)).rejects.toThrow();
    } finally {
      await stop(hub);
    }
  }, 60_000);

  it('keeps plain HTTP for a --plain-only hub (no TLS listener, no certificate)', async () => {
    const hub = await startHub(['--plain', '--port', '0'], false);
    try {
      const { serviceUrl, serviceKey } = printed(hub.stderr);
      expect(serviceUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(hub.stderr).not.toContain('CA certificate:');
      const stats = await call(`${serviceUrl}/fleetsim/stats?api-version=2021-04-12`, 'GET', { authorization: serviceToken(serviceKey) });
      expect(stats.status).toBe(200);
    } finally {
      await stop(hub);
    }
  }, 60_000);

  it("fleetsim's own HTTPS device sends telemetry and uploads a file to the hub's HTTPS endpoint, trusting its CA", async () => {
    const blobDir = join(dataDir, 'blobs');
    const hub = await startHub(['--blob-dir', blobDir]);
    try {
      const { serviceUrl, deviceUrl, serviceKey } = printed(hub.stderr);
      const ca = readFileSync(join(dataDir, 'ca.pem'), 'utf8');
      const groupKey = Buffer.from('group key for the hub HTTPS e2e test').toString('base64');
      const key = fleetDeviceKey(groupKey, 'hdev-000000');
      const put = await call(
        `${serviceUrl}/devices/hdev-000000?api-version=2021-04-12`,
        'PUT',
        { authorization: serviceToken(serviceKey), 'content-type': 'application/json' },
        JSON.stringify({ deviceId: 'hdev-000000', authentication: { type: 'sas', symmetricKey: { primaryKey: key, secondaryKey: key } } }),
        ca,
      );
      expect(put.status, put.body).toBe(200);
      const plan = compileScenarioText(
        `
version: 1
fleets:
  - id: hdev
    model: thermostat
    count: 1
    transport:
      dialect: iothub
      iothub: { hostName: ${HUB}, protocol: https, groupKey: "${groupKey}", httpsUrl: "${deviceUrl}" }
      tls: { ca: ca.pem }
phases:
  - { kind: connect, rate: 1/s }
`,
        join(dataDir, 'https-device.yaml'),
      );
      const transport = createTransport({ url: 'mqtt://127.0.0.1:1', httpUrl: undefined }, plan.fleets[0]!.transport, systemClock);
      const identity = { deviceId: 'hdev-000000', clientId: 'hdev-000000', username: undefined, password: undefined };
      const conn = await transport.connect({ identity, onClose: () => {} });
      for (let i = 0; i < 3; i++) {
        const err = await new Promise<Error | undefined>((resolve) => conn.publish('devices/hdev-000000/messages/events/', `{"t":${i}}`, 1, resolve));
        expect(err).toBeUndefined();
      }
      // The blob host the hub returned is its own https endpoint: the upload lands in --blob-dir.
      await transport.uploadFile?.('hdev-000000', 'e2e.bin', new Uint8Array(3000).fill(7));
      await conn.close();
      expect(readFileSync(join(blobDir, 'fleetsim-uploads', 'hdev-000000', 'e2e.bin')).length).toBe(3000);
      const stats = await call(`${serviceUrl}/fleetsim/stats?api-version=2021-04-12`, 'GET', { authorization: serviceToken(serviceKey) }, undefined, ca);
      expect(JSON.parse(stats.body)).toHaveProperty('telemetryAccepted', 3);
    } finally {
      await stop(hub);
    }
  }, 60_000);

  it("runs fleetsim's own X.509 (CA-signed) fleet against it over wss://…/$iothub/websocket", async () => {
    const hub = await startHub([]);
    try {
      const wss = /listening on wss:\/\/127\.0\.0\.1:(\d+)/.exec(hub.stderr)?.[1];
      const serviceUrl = /service API: (https:\/\/127\.0\.0\.1:\d+)/.exec(hub.stderr)?.[1];
      const serviceKey = /SharedAccessKeyName=iothubowner;SharedAccessKey=(\S+)/.exec(hub.stderr)?.[1];
      expect(wss && serviceUrl && serviceKey).toBeTruthy();
      // The fleet CA the run will reuse (fleet-certs.ts keeps an existing one), trusted by the hub; the devices registered.
      const fleetDir = join(dataDir, 'fleets', 'cas');
      mkdirSync(fleetDir, { recursive: true });
      const fleetCa = await createRootCa({ commonName: 'e2e fleet CA' });
      writeFileSync(join(fleetDir, 'ca.pem'), fleetCa.cert);
      writeFileSync(join(fleetDir, 'ca.key'), fleetCa.key);
      const auth = createSasToken({ resourceUri: 'embedded.fleetsim.local', keyBase64: serviceKey as string, expiry: Math.floor(Date.now() / 1000) + 600, policyName: 'iothubowner' });
      const ca = readFileSync(join(dataDir, 'ca.pem'), 'utf8');
      const service = (method: string, path: string, body: unknown) =>
        call(`${serviceUrl}${path}?api-version=2021-04-12`, method, { authorization: auth, 'content-type': 'application/json' }, JSON.stringify(body), ca);
      expect((await service('PUT', '/certificates/e2e-fleet', { properties: { certificate: fleetCa.cert } })).status).toBe(201);
      const devices = Array.from({ length: 5 }, (_, i) => ({ id: `cas-${String(i).padStart(6, '0')}`, importMode: 'create', authentication: { type: 'certificateAuthority' } }));
      const bulk = await service('POST', '/devices', devices);
      expect(bulk.status).toBe(200);
      const scenario = join(dataDir, 'x509-wss.yaml');
      writeFileSync(
        scenario,
        `version: 1
name: x509-over-wss
fleets:
  - id: cas
    model: thermostat
    count: 5
    telemetry: { every: 200ms }
    transport: { dialect: iothub, iothub: { auth: x509-ca, hostName: embedded.fleetsim.local }, tls: { ca: ca.pem } }
phases:
  - { kind: connect, rate: 50/s, settle: 3s }
  - { kind: steady, duration: 1s }
  - { kind: drain, timeout: 2s }
`,
      );
      const out = join(dataDir, 'out');
      const r = await fleetsim(['run', scenario, '--target', `wss://localhost:${wss}/$iothub/websocket`, '--data-dir', dataDir, '--out', out, '--quiet', '--hub-service', `HostName=embedded.fleetsim.local;SharedAccessKeyName=iothubowner;SharedAccessKey=${serviceKey}`]);
      expect(r.stderr).not.toMatch(/error|warning/i);
      const result = JSON.parse(readFileSync(join(out, readdirSync(out)[0] as string), 'utf8'));
      const c = result.summary.total.counters;
      expect(c['connect.ok'], r.stderr).toBe(5);
      expect(c['connect.failed']).toBe(0);
      expect(c['telemetry.acked']).toBeGreaterThanOrEqual(20);
      expect(c['delivery.lost']).toBe(0); // the observer read the telemetry as the hub's service client
      expect(c['delivery.received']).toBeGreaterThanOrEqual(c['telemetry.acked']);
    } finally {
      await stop(hub);
    }
  }, 120_000);
});
