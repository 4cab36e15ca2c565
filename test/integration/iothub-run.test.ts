import { describe, expect, it } from 'vitest';
import { runPlan } from '../../src/engine/run.js';
import { compileScenarioText } from '../../src/scenario/index.js';

// IoT Hub devices and plain MQTT devices side by side on the embedded hub: the hub registers the IoT Hub fleet from
// the scenario, checks every SAS token, and the observer reads both fleets' telemetry through the hub's service side.
const SCENARIO = `
version: 1
name: iothub-run
seed: 21
fleets:
  - { id: hub, model: thermostat, count: 30, telemetry: { every: 200ms }, transport: { dialect: iothub, cleanSession: false } }
  - { id: plain, model: thermostat, count: 10, telemetry: { every: 200ms } }
phases:
  - { kind: connect, rate: 100/s, settle: 200ms }
  - { kind: steady, duration: 1500ms }
  - { kind: disconnect-storm, fraction: 0.3, duration: 1500ms }
  - { kind: drain, timeout: 2s }
`;

describe('a run with IoT Hub devices on the embedded hub (real sockets, worker threads)', () => {
  it('every device connects with its SAS token; every count reconciles, including the observer’s', async () => {
    const out = await runPlan(compileScenarioText(SCENARIO, 'iothub-run.yaml'), { workers: 2 });
    const c = out.summary.total.counters;
    expect(c['connect.failed']).toBe(0);
    expect(c['device.reconnects']).toBeGreaterThan(0); // the storm's devices came back with fresh tokens
    expect(c['telemetry.acked']).toBeGreaterThan(40 * 8);
    expect(out.summary.reconciliation.ok).toBe(true);
    expect(c['delivery.lost']).toBe(0);
    expect(c['delivery.received']).toBeGreaterThanOrEqual(c['telemetry.acked']);
    expect(c['downlink.desired']).toBe(0); // nobody set desired properties
  });
});

describe('service-side phases on the embedded hub', () => {
  it('invoke-method and twin-update call a seeded share of the devices at a rate; round trips are measured', async () => {
    const out = await runPlan(
      compileScenarioText(
        `
version: 1
name: service-phases
seed: 5
fleets:
  - { id: hub, model: thermostat, count: 40, telemetry: { every: 500ms }, transport: { dialect: iothub } }
phases:
  - { kind: connect, rate: 200/s, settle: 200ms }
  - { kind: invoke-method, method: getDiagnostics, fraction: 0.5, rate: 50/s, duration: 1s }
  - { kind: twin-update, desired: { telemetryInterval: 2 }, fraction: 0.25, rate: 100/s, duration: 1s }
  - { kind: invoke-method, name: unknown-method, method: selfDestruct, fraction: 0.1, rate: 100/s, duration: 500ms }
  - { kind: drain, timeout: 2s }
thresholds:
  method.latency: ["p(99) < 2s"]
  method.failed: ["count == 0"]
`,
        'service-phases.yaml',
      ),
      { workers: 1 },
    );
    const c = out.summary.total.counters;
    // ~20 devices (half of 40, seeded) called once each, then ~10 twin patches, then ~4 calls to a method nobody has.
    expect(c['method.calls']).toBeGreaterThan(15);
    expect(c['method.calls']).toBeLessThan(35);
    expect(c['method.failed']).toBe(0); // a 404 from the device is an answer, not a failure
    expect(out.summary.total.trends['method.latency']?.count).toBe(c['method.calls']);
    expect(c['twin.updates']).toBeGreaterThan(5);
    expect(c['twin.failed']).toBe(0);
    expect(c['downlink.desired']).toBeGreaterThanOrEqual(c['twin.updates']);
    expect(c['downlink.methods']).toBe(c['method.calls']);
    expect(out.thresholds.every((t) => t.pass)).toBe(true);
    expect(out.summary.reconciliation.ok).toBe(true);
  });
});

describe('DPS provisioning on the embedded hub', () => {
  it('each device registers with DPS (group enrollment), is assigned, then connects to the hub and sends telemetry', async () => {
    const out = await runPlan(
      compileScenarioText(
        `
version: 1
name: dps
seed: 9
fleets:
  - { id: fresh, model: env-sensor, count: 20, telemetry: { every: 300ms }, transport: { dialect: iothub, iothub: { provisioning: dps } } }
phases:
  - { kind: connect, rate: 50/s, settle: 2s }
  - { kind: steady, duration: 1s }
  - { kind: drain, timeout: 2s }
`,
        'dps.yaml',
      ),
      { workers: 1 },
    );
    const c = out.summary.total.counters;
    expect(out.summary.total.trends['provision.latency']?.count).toBe(20);
    expect(c['connect.ok']).toBe(20);
    expect(c['connect.failed']).toBe(0);
    expect(c['telemetry.acked']).toBeGreaterThan(20 * 3);
    expect(out.summary.reconciliation.ok).toBe(true);
    expect(c['delivery.lost']).toBe(0);
  });
});

describe('SAS token renewal', () => {
  it('devices reconnect with a fresh token before the hub cuts them at expiry; nothing is lost', async () => {
    const out = await runPlan(
      compileScenarioText(
        `
version: 1
name: renewal
seed: 3
fleets:
  - { id: r, model: thermostat, count: 10, telemetry: { every: 200ms, buffer: 20 }, transport: { dialect: iothub, iothub: { sasTtl: 3s } } }
phases:
  - { kind: connect, rate: 100/s, settle: 0s }
  - { kind: steady, duration: 4s }
  - { kind: drain, timeout: 2s }
`,
        'renewal.yaml',
      ),
      { workers: 1 },
    );
    const t = out.summary.total;
    expect(t.errors['disconnect:SAS_RENEW']).toBeGreaterThanOrEqual(10); // every device renewed at least once
    expect(t.counters['connect.failed']).toBe(0);
    expect(out.summary.reconciliation.ok).toBe(true);
    expect(t.counters['delivery.lost']).toBe(0);
  });
});
