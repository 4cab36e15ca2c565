import { describe, expect, it } from 'vitest';
import { getModel } from '../../src/devices/registry.js';
import { runPlan } from '../../src/engine/run.js';
import { compileScenarioText } from '../../src/scenario/index.js';
import { splitShards } from '../../src/scenario/shard.js';
import { subscribe } from '../../src/transports/mqtt/subscriber.js';
import { runVirtualShard } from '../../src/worker/virtual.js';
import { useEmbeddedHub } from '../support/brokers.js';

// Every fleet buffers while offline, so live takes every reading virtual time does (a skipped reading is not taken).
const SCENARIO = `
version: 1
name: live-virtual
seed: 99
fleets:
  - { id: a, model: thermostat, count: 12, telemetry: { every: 150ms, jitter: 40ms, buffer: 50 } }
  - { id: b, model: thermostat, count: 8, params: { setpoint: 17, drift: 1 }, telemetry: { every: 250ms, buffer: 50 } }
  - id: c
    model: env-sensor
    count: 10
    telemetry: { every: 100ms, buffer: 50 }
    sensors: { humidity: { noiseSd: 2, decimals: 1, faults: { dropoutRatePerHour: 3600 } }, pressure: { offset: -3, bits: 10, rangeMin: 900, rangeMax: 1100 } }
    mcu: { bootTime: 150ms, clockDriftPpm: 1000, watchdogResetsPerDay: 40000 }
  - id: d
    model: thermostat
    count: 6
    telemetry: { every: 120ms }
    mcu: { sleep: deep, connectEvery: 2 }
phases:
  - { kind: connect, rate: { from: 50/s, to: 200/s }, settle: 200ms }
  - { kind: steady, duration: 800ms }
  - { kind: spike, duration: 500ms, multiplier: 3 }
  - { kind: drain, timeout: 2s }
`;

const hub = useEmbeddedHub();

describe('live and virtual time run the same device code', () => {
  it('every reading a device published live equals the virtual-time reading with the same device and sequence', async () => {
    const plan = compileScenarioText(SCENARIO, 'live-virtual.yaml', { target: hub.url });
    const live = new Map<string, Record<string, unknown>>();
    const sub = await subscribe(hub.url, ['fleetsim/#'], 1, (_t, payload) => {
      const { deviceId, seq, ts: _ts, ...readings } = JSON.parse(payload.toString()) as Record<string, unknown>;
      live.set(`${String(deviceId)}#${String(seq)}`, readings);
    });
    try {
      const out = await runPlan(plan, { workers: 2 });
      const c = out.summary.total.counters;
      expect(c['device.reboots']).toBeGreaterThan(0); // fleet c: about one watchdog reset per device every 2 s
      // Only readings due while a device reboots are skipped (in both modes): at most 150 ms ÷ 33 ms (spike) + 1 each.
      expect(c['telemetry.skipped']).toBeGreaterThan(0);
      expect(c['telemetry.skipped']).toBeLessThanOrEqual(c['device.reboots'] * 6);
    } finally {
      await sub.close();
    }
    const fleets = plan.fleets.map((f) => ({ plan: f, model: getModel(f.model)! }));
    const virtual = new Map<string, Record<string, unknown>>();
    for (const shard of splitShards(plan.totalDevices, 3)) {
      runVirtualShard(plan, shard, fleets, (s) => virtual.set(`${s.deviceId}#${s.seq}`, { ...s.readings }));
    }
    expect(live.size).toBeGreaterThan(100);
    for (const fleet of ['a', 'b', 'c', 'd']) expect([...live.keys()].some((k) => k.startsWith(`${fleet}-`)), fleet).toBe(true);
    // The drifting clock shows: deviceTime differs from the reading's model time (ts) by drift × time since start.
    const drifted = [...virtual.values()].filter((r) => typeof r.deviceTime === 'number');
    expect(drifted.length).toBeGreaterThan(50);
    let compared = 0;
    for (const [key, readings] of live) {
      // Live sends near the drain boundary may go one interval past the virtual cut-off; compare what both have.
      const v = virtual.get(key);
      if (v === undefined) continue;
      expect(readings, key).toEqual(v);
      compared++;
    }
    expect(compared).toBeGreaterThan(live.size * 0.9);
  });
});
