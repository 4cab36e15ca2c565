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
