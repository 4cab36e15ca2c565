/**
 * `fleetsim hub` (built, spawned): TLS by default with a CA made in its data directory on first start and kept on the
 * next; fleetsim's own X.509 fleet then runs against it over secure WebSockets (wss://…/$iothub/websocket).
 */
import { type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRootCa } from '../../src/core/x509.js';
import { createSasToken } from '../../src/iothub/index.js';
import { fleetsim } from '../support/cli.js';

const dataDir = mkdtempSync(join(tmpdir(), 'fleetsim-hub-e2e-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

interface RunningHub {
  readonly stderr: string;
  readonly child: ChildProcess;
  readonly done: Promise<unknown>;
}

/** Start `fleetsim hub` on free ports; resolves once it printed its banner. */
function startHub(args: string[]): Promise<RunningHub> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess | undefined;
    let text = '';
    const done = fleetsim(['hub', '--mqtts-port', '0', '--wss-port', '0', '--data-dir', dataDir, ...args], {
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

  it("runs fleetsim's own X.509 (CA-signed) fleet against it over wss://…/$iothub/websocket", async () => {
    const hub = await startHub([]);
    try {
      const wss = /listening on wss:\/\/127\.0\.0\.1:(\d+)/.exec(hub.stderr)?.[1];
      const serviceUrl = /service API: (http:\/\/127\.0\.0\.1:\d+)/.exec(hub.stderr)?.[1];
      const serviceKey = /SharedAccessKeyName=iothubowner;SharedAccessKey=(\S+)/.exec(hub.stderr)?.[1];
      expect(wss && serviceUrl && serviceKey).toBeTruthy();
      // The fleet CA the run will reuse (fleet-certs.ts keeps an existing one), trusted by the hub; the devices registered.
      const fleetDir = join(dataDir, 'fleets', 'cas');
      mkdirSync(fleetDir, { recursive: true });
      const fleetCa = await createRootCa({ commonName: 'e2e fleet CA' });
      writeFileSync(join(fleetDir, 'ca.pem'), fleetCa.cert);
      writeFileSync(join(fleetDir, 'ca.key'), fleetCa.key);
      const auth = createSasToken({ resourceUri: 'embedded.fleetsim.local', keyBase64: serviceKey as string, expiry: Math.floor(Date.now() / 1000) + 600, policyName: 'iothubowner' });
      const call = (method: string, path: string, body: unknown) =>
        fetch(`${serviceUrl}${path}?api-version=2021-04-12`, { method, headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect((await call('PUT', '/certificates/e2e-fleet', { properties: { certificate: fleetCa.cert } })).status).toBe(201);
      const devices = Array.from({ length: 5 }, (_, i) => ({ id: `cas-${String(i).padStart(6, '0')}`, importMode: 'create', authentication: { type: 'certificateAuthority' } }));
      const bulk = await call('POST', '/devices', devices);
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
      const result = JSON.parse(readFileSync(join(out, (await import('node:fs')).readdirSync(out)[0] as string), 'utf8'));
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
