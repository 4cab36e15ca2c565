import { describe, expect, it } from 'vitest';
import { runPlan } from '../../src/engine/run.js';
import { compileScenarioText } from '../../src/scenario/index.js';

const SCENARIO = `
version: 1
name: embedded-it
seed: 7
fleets:
  - id: rooms
    model: thermostat
    count: 120
    idPattern: "room-{index:04}"
    telemetry: { every: 300ms, jitter: 30ms }
    transport: { qos: 1 }
    reconnect: { base: 100ms, cap: 1s }
phases:
  - kind: connect
    rate: { from: 100/s, to: 400/s }
    settle: 500ms
  - kind: steady
    duration: 1500ms
  - kind: disconnect-storm
    fraction: 0.25
    spread: 300ms
    duration: 1500ms
  - kind: drain
    timeout: 3s
thresholds:
  connect.success: ["rate > 0.99"]
  delivery.lost: ["count == 0"]
`;

describe('a run against the embedded hub (real sockets, real worker threads)', () => {
  it('connects every device, survives a storm, and reconciles every count', async () => {
    const plan = compileScenarioText(SCENARIO, 'embedded-it.yaml');
    const out = await runPlan(plan, { workers: 2 });
    const c = out.summary.total.counters;
    expect(out.embedded).toBe(true);
    expect(out.url).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    expect(out.workers).toBe(2);
    // every device connected at least once; every drop reconnected
    expect(c['connect.ok']).toBe(120 + c['device.reconnects']);
    expect(c['device.disconnects']).toBeGreaterThan(10);
    expect(c['device.reconnects']).toBe(c['device.disconnects']);
    expect(out.summary.total.errors['disconnect:STORM']).toBe(c['device.disconnects']);
    // sent = acked + failed + in flight, and the observer saw every acked message exactly once
    expect(out.summary.reconciliation.ok).toBe(true);
    expect(c['telemetry.sent']).toBeGreaterThan(500);
    expect(c['delivery.received']).toBeGreaterThanOrEqual(c['telemetry.acked']);
    expect(c['delivery.lost']).toBe(0);
    expect(c['delivery.duplicated']).toBe(0);
    expect(out.summary.total.trends['telemetry.latency']?.count).toBe(c['telemetry.acked']);
    expect(out.summary.total.trends['telemetry.e2e']?.count).toBe(c['delivery.received']);
    expect(out.thresholds.every((t) => t.pass)).toBe(true);
    expect(out.summary.phases.map((p) => p.name)).toEqual(['connect', 'steady', 'disconnect-storm', 'drain']);
  });
});
