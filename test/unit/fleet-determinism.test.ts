import { describe, expect, it } from 'vitest';
import { getModel } from '../../src/devices/registry.js';
import { compileScenarioText } from '../../src/scenario/index.js';
import type { RunPlan } from '../../src/scenario/plan.js';
import { splitShards } from '../../src/scenario/shard.js';
import type { Transport } from '../../src/transports/transport.js';
import type { FleetContext } from '../../src/worker/device.js';
import { buildDevices } from '../../src/worker/fleet.js';

const SCENARIO = (seed: number) => `
version: 1
name: det
seed: ${seed}
fleets:
  - { id: a, model: thermostat, count: 37, idPattern: "a-{index:03}" }
  - { id: b, model: thermostat, count: 26, params: { setpoint: 18 }, telemetry: { every: 5s, jitter: 1s } }
phases:
  - { kind: connect, rate: 100/s }
  - { kind: steady, duration: 10s }
`;

const unused: Transport = { connect: () => Promise.reject(new Error('not used')) };

/** Every device of the fleet, built shard by shard, with its first 20 readings and telemetry intervals. */
function fleetFingerprint(plan: RunPlan, workers: number): string[] {
  const fleets: FleetContext[] = plan.fleets.map((f) => ({ plan: f, model: getModel(f.model)!, transport: unused }));
  const out: string[] = [];
  for (const shard of splitShards(plan.totalDevices, workers)) {
    for (const d of buildDevices(plan, shard, fleets)) {
      const samples: string[] = [];
      let at = 0;
      for (let i = 0; i < 20; i++) {
        at += d.nextIntervalMs(1);
        samples.push(`${at.toFixed(3)}:${JSON.stringify(d.read(at))}`);
      }
      out.push(`${d.index} ${d.deviceId} ${d.topic} ${samples.join(' ')}`);
    }
  }
  return out;
}

describe('the same seed gives the same fleet at any worker count', () => {
  const plan = compileScenarioText(SCENARIO(11), 'det.yaml');

  it('identical ids, topics, schedules and readings with 1, 2, 4 and 7 workers', () => {
    const one = fleetFingerprint(plan, 1);
    expect(one).toHaveLength(63);
    for (const w of [2, 4, 7]) expect(fleetFingerprint(plan, w)).toEqual(one);
  });

  it('a different seed gives different readings', () => {
    const other = compileScenarioText(SCENARIO(12), 'det.yaml');
    expect(fleetFingerprint(other, 1)).not.toEqual(fleetFingerprint(plan, 1));
  });
});
