import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { defaultLiveWorkers, defaultWorkers } from '../../src/engine/run.js';
import { compileScenarioText } from '../../src/scenario/index.js';

const plan = (count: number, every: string): ReturnType<typeof compileScenarioText> =>
  compileScenarioText(
    `version: 1
name: w
fleets:
  - { id: a, model: thermostat, count: ${count}, telemetry: { every: ${every} } }
phases:
  - { kind: connect, rate: 1000/s }
  - { kind: steady, duration: 10s }
`,
    'w.yaml',
  );
const cores = availableParallelism();
const capped = (n: number): number => Math.min(cores, n);

describe('default worker threads', () => {
  it('live: one per 10,000 devices, at most one per core', () => {
    expect(defaultLiveWorkers(plan(100, '24h'))).toBe(1);
    expect(defaultLiveWorkers(plan(10_000, '1s'))).toBe(1);
    expect(defaultLiveWorkers(plan(10_001, '1s'))).toBe(capped(2));
    expect(defaultLiveWorkers(plan(40_000, '1h'))).toBe(capped(4));
  });

  it('live: one per 25,000 messages a second offered, counting only the devices of this shard', () => {
    expect(defaultLiveWorkers(plan(100, '5ms'))).toBe(1); // 20,000 msg/s
    expect(defaultLiveWorkers(plan(200, '5ms'))).toBe(capped(2)); // 40,000 msg/s
    expect(defaultLiveWorkers(plan(200, '5ms'), 100)).toBe(1); // half the fleet: 20,000 msg/s
  });

  it('live: one per 5,000 connections a second of the fastest connect phase', () => {
    const ramp = (rate: number) =>
      compileScenarioText(
        `version: 1
name: w
fleets:
  - { id: a, model: thermostat, count: 5000, telemetry: { every: 1h } }
phases:
  - { kind: connect, rate: ${rate}/s }
  - { kind: steady, duration: 10s }
`,
        'w.yaml',
      );
    expect(defaultLiveWorkers(ramp(5_000))).toBe(1);
    expect(defaultLiveWorkers(ramp(5_001))).toBe(capped(2));
  });

  it('virtual time: one per 2,500 devices (every worker computes)', () => {
    expect(defaultWorkers(2_500)).toBe(1);
    expect(defaultWorkers(2_501)).toBe(capped(2));
  });
});
