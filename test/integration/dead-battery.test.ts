import { describe, expect, it } from 'vitest';
import { getModel } from '../../src/devices/registry.js';
import { runPlan } from '../../src/engine/run.js';
import { compileScenarioText } from '../../src/scenario/index.js';
import { runVirtualShard } from '../../src/worker/virtual.js';

// A battery of 1 mAh at 1 % that spends 10 minutes at 2 A per reading: dead after its first reading or two.
const SCENARIO = `
version: 1
name: dead-battery
fleets:
  - id: e
    model: env-sensor
    count: 6
    params: { capacityMah: 1, initialSocPercent: 1, activeMs: 600000, activeMa: 2000 }
    telemetry: { every: 100ms }
phases:
  - { kind: connect, rate: 100/s, settle: 200ms }
  - { kind: steady, duration: 1s }
  - { kind: drain, timeout: 2s }
`;

describe('a dead battery stops the device', () => {
  it('in virtual time: the reading that reports batteryDead is the last one', () => {
    const plan = compileScenarioText(SCENARIO, 'dead.yaml');
    const f = plan.fleets[0]!;
    const byDevice = new Map<string, Array<Record<string, unknown>>>();
    runVirtualShard(plan, { index: 0, count: 1, first: 0, end: 6 }, [{ plan: f, model: getModel(f.model)! }], (s) => {
      const list = byDevice.get(s.deviceId) ?? [];
      list.push(s.readings);
      byDevice.set(s.deviceId, list);
    });
    expect(byDevice.size).toBe(6);
    for (const readings of byDevice.values()) {
      expect(readings.length).toBeLessThan(5); // ~12 readings were due in the steady phase
      expect(readings.at(-1)?.batteryDead).toBe(true);
      expect(readings.slice(0, -1).every((r) => r.batteryDead === false)).toBe(true);
    }
  });

  it('live: dead devices disconnect, never reconnect, and are counted', async () => {
    const out = await runPlan(compileScenarioText(SCENARIO, 'dead.yaml'), { workers: 1 });
    const c = out.summary.total.counters;
    expect(c['device.dead']).toBe(6);
    expect(c['device.reconnects']).toBe(0);
    expect(c['device.disconnects']).toBe(0); // fleetsim closed them on purpose; nothing was lost
    expect(c['telemetry.sent']).toBeLessThan(6 * 5);
    expect(out.summary.reconciliation.ok).toBe(true);
    expect(c['delivery.lost']).toBe(0);
    expect(out.summary.total.gauges['devices.connected']?.last).toBe(0);
  });
});
