import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { defaultLiveWorkers, defaultWorkers } from '../../src/engine/run.js';
import { compileScenarioText } from '../../src/scenario/index.js';

/** A remote broker: the sizing by load alone (a broker on this machine keeps a core: tested below). */
const plan = (count: number, every: string, target = 'mqtt://broker.example.com:1883'): ReturnType<typeof compileScenarioText> =>
  compileScenarioText(
    `version: 1
name: w
target: ${target}
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
target: mqtt://broker.example.com:1883
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

  it('live: one core left to a broker on this machine (embedded hub, loopback or own address), never below one worker', () => {
    const busy = (target: string): ReturnType<typeof compileScenarioText> => plan(40_000, '1s', target);
    expect(defaultLiveWorkers(busy('mqtt://broker.example.com:1883'), undefined, 8)).toBe(4);
    expect(defaultLiveWorkers(busy('mqtt://broker.example.com:1883'), undefined, 2)).toBe(2);
    for (const local of ['mqtt://127.0.0.1:1883', 'mqtt://localhost', 'mqtts://127.0.0.9:8883', 'mqtt://[::1]:1883']) {
      expect(defaultLiveWorkers(busy(local), undefined, 2)).toBe(1);
      expect(defaultLiveWorkers(busy(local), undefined, 4)).toBe(3);
    }
    const embedded = compileScenarioText(
      `version: 1
name: w
fleets:
  - { id: a, model: thermostat, count: 40000, telemetry: { every: 1s } }
phases:
  - { kind: connect, rate: 1000/s }
`,
      'w.yaml',
    );
    expect(defaultLiveWorkers(embedded, undefined, 2)).toBe(1);
    expect(defaultLiveWorkers(embedded, undefined, 1)).toBe(1);
  });

  it('virtual time: one per 2,500 devices (every worker computes)', () => {
    expect(defaultWorkers(2_500)).toBe(1);
    expect(defaultWorkers(2_501)).toBe(capped(2));
  });
});
