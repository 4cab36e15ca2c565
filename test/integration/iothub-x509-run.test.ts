/**
 * fleetsim's own X.509 fleets on the embedded hub (real sockets, worker threads): the run makes the devices'
 * certificates in its data directory, the hub registers thumbprints or trusts the fleet CA, devices connect over
 * MQTT/TLS trusting the hub's CA; SAS fleets in the same run stay on plain MQTT. A second run reuses everything.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runPlan } from '../../src/engine/run.js';
import { compileScenarioText } from '../../src/scenario/index.js';

const dataDir = mkdtempSync(join(tmpdir(), 'fleetsim-x509-run-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const SCENARIO = `
version: 1
name: x509-run
seed: 9
fleets:
  - { id: selfsigned, model: thermostat, count: 12, telemetry: { every: 200ms }, transport: { dialect: iothub, iothub: { auth: x509-self-signed } } }
  - { id: casigned, model: thermostat, count: 12, telemetry: { every: 200ms }, transport: { dialect: iothub, iothub: { auth: x509-ca } } }
  - { id: provisioned, model: thermostat, count: 6, telemetry: { every: 200ms }, transport: { dialect: iothub, iothub: { auth: x509-ca, provisioning: dps } } }
  - { id: individual, model: thermostat, count: 4, telemetry: { every: 200ms }, transport: { dialect: iothub, iothub: { auth: x509-self-signed, provisioning: dps } } }
  - { id: sas, model: thermostat, count: 6, telemetry: { every: 200ms }, transport: { dialect: iothub } }
phases:
  - { kind: connect, rate: 200/s, settle: 4s }
  - { kind: steady, duration: 1200ms }
  - { kind: drain, timeout: 2s }
`;

describe('X.509 fleets on the embedded hub', () => {
  it('self-signed, CA-signed and DPS-provisioned X.509 devices all connect over TLS; every count reconciles', async () => {
    const out = await runPlan(compileScenarioText(SCENARIO, 'x509-run.yaml'), { workers: 2, dataDir });
    const c = out.summary.total.counters;
    expect(c['connect.failed']).toBe(0);
    expect(c['connect.ok']).toBe(40);
    expect(c['telemetry.acked']).toBeGreaterThan(40 * 5);
    expect(out.summary.reconciliation.ok).toBe(true);
    expect(c['delivery.lost']).toBe(0);
    // X.509 fleets dialled the TLS listener and trusted the hub CA; the SAS fleet stayed on plain MQTT.
    const byId = new Map(out.plan.fleets.map((f) => [f.id, f.transport]));
    expect(byId.get('casigned')?.url).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
    expect(byId.get('casigned')?.tls?.caFile).toBe(join(dataDir, 'ca.pem'));
    expect(byId.get('sas')?.url).toBeUndefined();
    expect(readdirSync(join(dataDir, 'fleets', 'casigned', 'x509-ca')).filter((f) => f.endsWith('.pem'))).toHaveLength(12);
    expect(readFileSync(join(dataDir, 'fleets', 'selfsigned', 'x509-self-signed', 'thumbprints.csv'), 'utf8').trim().split('\n')).toHaveLength(13);
  });

  it('a second run reuses the hub CA and the device certificates', async () => {
    const ca = readFileSync(join(dataDir, 'ca.pem'), 'utf8');
    const fleetCa = readFileSync(join(dataDir, 'fleets', 'casigned', 'ca.pem'), 'utf8');
    const device = readFileSync(join(dataDir, 'fleets', 'selfsigned', 'x509-self-signed', 'selfsigned-000003.pem'), 'utf8');
    const out = await runPlan(compileScenarioText(SCENARIO, 'x509-run.yaml'), { workers: 1, dataDir });
    expect(out.summary.total.counters['connect.failed']).toBe(0);
    expect(readFileSync(join(dataDir, 'ca.pem'), 'utf8')).toBe(ca);
    expect(readFileSync(join(dataDir, 'fleets', 'casigned', 'ca.pem'), 'utf8')).toBe(fleetCa);
    expect(readFileSync(join(dataDir, 'fleets', 'selfsigned', 'x509-self-signed', 'selfsigned-000003.pem'), 'utf8')).toBe(device);
  });

  it('a device presenting another device\'s certificate is refused (CN ≠ device id), and the failure is counted', async () => {
    const dir = join(dataDir, 'fleets', 'casigned', 'x509-ca');
    expect(existsSync(join(dir, 'casigned-000000.pem'))).toBe(true);
    const { copyFileSync } = await import('node:fs');
    // casigned-000000 now presents casigned-000001's certificate: CN mismatch → CONNACK 5 (the file passes the reuse
    // check, as it is issued by the fleet CA and valid).
    copyFileSync(join(dir, 'casigned-000001.pem'), join(dir, 'casigned-000000.pem'));
    copyFileSync(join(dir, 'casigned-000001.key'), join(dir, 'casigned-000000.key'));
    const out = await runPlan(compileScenarioText(SCENARIO.replace('{ kind: steady, duration: 1200ms }', '{ kind: steady, duration: 300ms }'), 'x509-run.yaml'), { workers: 1, dataDir });
    const c = out.summary.total.counters;
    expect(c['connect.ok']).toBe(39);
    expect(c['connect.failed']).toBeGreaterThanOrEqual(1);
  });
});
