import { describe, expect, it } from 'vitest';
import { runPlan } from '../../src/engine/run.js';
import { compileScenarioText } from '../../src/scenario/index.js';

const scenario = (buffer: number) => `
version: 1
name: store-forward
seed: 5
fleets:
  - id: s
    model: thermostat
    count: 40
    telemetry: { every: 100ms, buffer: ${buffer} }
    reconnect: { base: 600ms, cap: 900ms }
phases:
  - { kind: connect, rate: 200/s, settle: 200ms }
  - { kind: steady, duration: 500ms }
  - { kind: disconnect-storm, fraction: 1, spread: 0s, duration: 2s }
  - { kind: steady, name: after, duration: 500ms }
  - { kind: drain, timeout: 2s }
`;

describe('store-and-forward while offline (real sockets, embedded hub)', () => {
  it('buffers readings during a storm, flushes them on reconnect, drops the oldest on overflow; nothing counts as lost', async () => {
    const out = await runPlan(compileScenarioText(scenario(3), 'sf.yaml'), { workers: 1 });
    const c = out.summary.total.counters;
    expect(c['device.disconnects']).toBe(40);
    expect(c['telemetry.skipped']).toBe(0);
    expect(c['telemetry.buffered']).toBeGreaterThan(40 * 3); // ~6 readings per device while offline for ≥ 600 ms
    expect(c['telemetry.dropped']).toBeGreaterThan(0);
    // every buffered reading was either flushed or dropped (the storm ended long before the drain)
    expect(c['telemetry.flushed'] + c['telemetry.dropped']).toBe(c['telemetry.buffered']);
    // One ring per connection: after the storm, and (on a loaded machine) before a slow first CONNACK.
    expect(c['telemetry.flushed']).toBeLessThanOrEqual(40 * 3 * 2);
    expect(out.summary.reconciliation.ok).toBe(true);
    expect(c['delivery.lost']).toBe(0); // dropped readings were never acked, so they are not "lost"
    // A publish in flight when the storm cut its connection fails at the device, yet the hub may have had it already.
    expect(c['delivery.received']).toBeGreaterThanOrEqual(c['telemetry.acked']);
    expect(c['delivery.received']).toBeLessThanOrEqual(c['telemetry.sent']);
  });

  it('with buffer 0 the same offline readings are skipped instead', async () => {
    const out = await runPlan(compileScenarioText(scenario(0), 'sf.yaml'), { workers: 1 });
    const c = out.summary.total.counters;
    expect(c['telemetry.skipped']).toBeGreaterThan(40 * 3);
    expect(c['telemetry.buffered'] + c['telemetry.flushed'] + c['telemetry.dropped']).toBe(0);
  });
});
