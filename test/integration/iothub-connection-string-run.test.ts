/**
 * A fleet pointed at "a real hub" with what the Azure portal gives: a device connection string (SAS key, or x509=true
 * with the device's own certificate). Here the hub is an IoT Hub gateway on TLS in this process, reached through
 * GatewayHostName; the run's own target (the embedded hub) is not where these devices go.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSelfSignedClientCert, thumbprints } from '../../src/core/x509.js';
import { runPlan } from '../../src/engine/run.js';
import { compileScenarioText } from '../../src/scenario/index.js';
import { HUB_HOST, useIotHub } from '../support/iothub.js';

const hub = useIotHub();
const dir = mkdtempSync(join(tmpdir(), 'fleetsim-cs-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const KEY = Buffer.from('connection string device key 0123').toString('base64');

function scenario(fleet: string): string {
  return `
version: 1
name: connection-string
seed: 3
fleets:
${fleet}
phases:
  - { kind: connect, rate: 10/s, settle: 2s }
  - { kind: steady, duration: 2s }
  - { kind: drain, timeout: 2s }
`;
}

describe('a fleet from an IoT Hub device connection string', () => {
  it('SharedAccessKey: the one device signs with its own key and connects to the connection string host', async () => {
    writeFileSync(join(dir, 'hub-ca.pem'), hub.cert);
    hub.gateway.registry.create({ deviceId: 'portal-device', authentication: { type: 'sas', primaryKey: KEY, secondaryKey: KEY } });
    const cs = `HostName=${HUB_HOST};DeviceId=portal-device;SharedAccessKey=${KEY};GatewayHostName=localhost:${hub.port}`;
    const plan = compileScenarioText(
      scenario(`  - { id: portal, model: thermostat, count: 1, telemetry: { every: 200ms }, transport: { dialect: iothub, iothub: { connectionString: "${cs}" }, tls: { ca: hub-ca.pem } } }`),
      join(dir, 'cs.yaml'),
    );
    expect(plan.fleets[0]?.idPattern).toBe('portal-device');
    expect(plan.fleets[0]?.transport.url).toBe(`mqtts://localhost:${hub.port}`);
    const before = hub.gateway.stats.telemetry;
    const events: string[] = [];
    const out = await runPlan(plan, { workers: 1, onEvent: (e) => e.type === 'warn' && events.push(e.message) });
    const c = out.summary.total.counters;
    expect(c['connect.ok']).toBe(1);
    expect(c['telemetry.acked']).toBeGreaterThanOrEqual(3); // every 200ms for ~2s; slack for a loaded machine
    expect(hub.gateway.stats.telemetry - before).toBe(c['telemetry.acked']);
    expect(c['delivery.lost']).toBe(0); // not observable from the run target: left out, and said so
    expect(events.join('\n')).toMatch(/not observed \(own endpoint\): portal-device/);
  });

  it('x509=true: the device presents the certificate from transport.tls cert/key; the hub knows its thumbprint', async () => {
    const pair = await createSelfSignedClientCert({ commonName: 'portal-x509' });
    writeFileSync(join(dir, 'device.pem'), pair.cert);
    writeFileSync(join(dir, 'device.key'), pair.key);
    hub.gateway.registry.create({ deviceId: 'portal-x509', authentication: { type: 'selfSigned', primaryThumbprint: thumbprints(pair.cert).sha1 } });
    const cs = `HostName=${HUB_HOST};DeviceId=portal-x509;x509=true;GatewayHostName=localhost:${hub.port}`;
    const plan = compileScenarioText(
      scenario(
        `  - { id: portal, model: thermostat, count: 1, telemetry: { every: 200ms }, transport: { dialect: iothub, iothub: { connectionString: "${cs}" }, tls: { ca: hub-ca.pem, cert: device.pem, key: device.key } } }`,
      ),
      join(dir, 'x509.yaml'),
    );
    expect(plan.fleets[0]?.transport.iothub?.auth).toBe('x509-self-signed');
    const out = await runPlan(plan, { workers: 1, dataDir: join(dir, 'data') });
    expect(out.summary.total.counters['connect.ok']).toBe(1);
    expect(hub.gateway.registry.get('portal-x509').connectionState).toBe('Disconnected'); // drained
    expect(hub.gateway.stats.refusedConnects['unknown-thumbprint']).toBeUndefined();
  });

  it('reports bad connection strings and contradictions at their path', () => {
    const problems = (fleet: string): string => {
      try {
        compileScenarioText(scenario(fleet), join(dir, 'bad.yaml'));
      } catch (err) {
        return ((err as { diagnostics?: { message: string }[] }).diagnostics ?? []).map((d) => d.message).join('\n');
      }
      return '';
    };
    const both = problems(`  - { id: portal, model: thermostat, count: 3, transport: { dialect: iothub, iothub: { connectionString: "HostName=h;DeviceId=d;SharedAccessKey=${KEY}", auth: x509-ca } } }`);
    expect(both).toMatch(/a connection string names one device \(d\); found count 3/);
    expect(both).toMatch(/auth x509-ca contradicts the connection string's SharedAccessKey/);
    expect(problems(`  - { id: portal, model: thermostat, count: 1, transport: { dialect: iothub, iothub: { connectionString: "HostName=h;SharedAccessKey=${KEY}" } } }`)).toMatch(/missing 'DeviceId'/);
    expect(problems(`  - { id: many, model: thermostat, count: 2, transport: { dialect: iothub, iothub: { auth: x509-ca }, tls: { cert: device.pem, key: device.key } } }`)).toMatch(
      /one certificate cannot serve 2 X.509 devices/,
    );
  });
});
