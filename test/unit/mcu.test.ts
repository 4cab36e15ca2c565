import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import { ChannelSensors } from '../../src/devices/channel-sensors.js';
import { Mcu } from '../../src/devices/mcu/mcu.js';
import { getModel } from '../../src/devices/registry.js';
import type { ChannelSensorPlan, McuPlan } from '../../src/scenario/plan.js';
import { compileScenarioText } from '../../src/scenario/index.js';
import { handleCommand } from '../../src/worker/commands.js';
import { buildDevices } from '../../src/worker/fleet.js';
import { NO_TRANSPORT, type VirtualSample, runVirtualShard } from '../../src/worker/virtual.js';

const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;
const IDEAL: McuPlan = { bootMs: 0, clockDriftPpm: 0, clockSyncMs: 0, watchdogResetsPerDay: 0, sleep: 'none', connectEvery: 1 };

describe('device clock', () => {
  it('drifts by its seeded ppm, within the bound, and the same seed gives the same crystal', () => {
    const a = new Mcu({ ...IDEAL, clockDriftPpm: 50 }, createRng('s', 'mcu', 'f', 0), T0);
    const b = new Mcu({ ...IDEAL, clockDriftPpm: 50 }, createRng('s', 'mcu', 'f', 0), T0);
    expect(a.driftPpm).toBe(b.driftPpm);
    expect(Math.abs(a.driftPpm)).toBeLessThanOrEqual(50);
    expect(a.deviceTime(T0)).toBe(T0);
    // After 10 days, the error is drift × elapsed: 50 ppm of 864,000 s is up to 43.2 s.
    const tenDays = 240 * HOUR;
    expect(a.deviceTime(T0 + tenDays) - (T0 + tenDays)).toBe(Math.round(tenDays * a.driftPpm * 1e-6));
  });

  it('a resync sets it right again: the error never exceeds drift × sync interval', () => {
    const m = new Mcu({ ...IDEAL, clockDriftPpm: 100, clockSyncMs: HOUR }, createRng('s', 'mcu', 'f', 1), T0);
    const bound = Math.abs(m.driftPpm) * 1e-6 * HOUR + 1;
    let maxError = 0;
    for (let t = T0; t < T0 + 48 * HOUR; t += 60_000) maxError = Math.max(maxError, Math.abs(m.deviceTime(t) - t));
    expect(maxError).toBeLessThanOrEqual(bound);
    expect(maxError).toBeGreaterThan(bound / 2); // it does drift between syncs
  });

  it('watchdog resets come at the seeded rate', () => {
    const m = new Mcu({ ...IDEAL, watchdogResetsPerDay: 24 }, createRng('s', 'mcu', 'f', 2), T0);
    let t = 0;
    let resets = 0;
    while ((t = m.nextResetAfter(t)) < 1000 * HOUR) resets++;
    expect(resets).toBeGreaterThan(900); // Poisson(1000): ± 3 sd ≈ ± 95
    expect(resets).toBeLessThan(1100);
    expect(new Mcu(IDEAL, createRng('x'), T0).nextResetAfter(5)).toBe(Infinity);
  });
});

describe('sensor realism on any channel', () => {
  const plan = (over: Partial<ChannelSensorPlan>): ChannelSensorPlan => ({
    noiseSd: 0, bits: 0, rangeMin: 0, rangeMax: 0, offset: 0, driftPerDay: 0, decimals: 2,
    faults: { stuckRatePerDay: 0, stuckDurationMinutes: 0, spikeRatePerHour: 0, spikeMagnitude: 0, dropoutRatePerHour: 0 },
    ...over,
  }); // prettier-ignore

  it('changes only its channels, rounds to decimals, and passes non-numbers through', () => {
    const s = new ChannelSensors({ humidity: plan({ noiseSd: 3, decimals: 1 }), pressure: plan({ offset: 10, decimals: 0 }) }, createRng('c'));
    const values = [];
    for (let i = 0; i < 200; i++) {
      const r = { temperature: 20.123, humidity: 50, pressure: 1000.4, flag: true };
      s.apply(r, T0 + i * 60_000, 60_000);
      expect(r.temperature).toBe(20.123);
      expect(r.pressure).toBe(1010);
      expect(r.flag).toBe(true);
      expect(Math.round((r.humidity as number) * 10) / 10).toBe(r.humidity);
      values.push(r.humidity as number);
    }
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    expect(mean).toBeGreaterThan(49);
    expect(mean).toBeLessThan(51);
    expect(sd).toBeGreaterThan(2.5);
    expect(sd).toBeLessThan(3.5);
  });

  it('dropouts make the reading null and are counted', () => {
    const s = new ChannelSensors({ humidity: plan({ faults: { ...plan({}).faults, dropoutRatePerHour: 30 } }) }, createRng('d'));
    let nulls = 0;
    for (let i = 0; i < 100; i++) {
      const r: Record<string, number | null> = { humidity: 50 };
      s.apply(r, T0 + i * 60_000, 60_000);
      if (r.humidity === null) nulls++;
    }
    expect(nulls).toBeGreaterThan(20);
    expect(s.diagnostics().humidity?.dropouts).toBe(nulls);
  });
});

const scenario = (mcu: string, sensors = '{}') => `
version: 1
seed: 3
fleets:
  - id: e
    model: env-sensor
    count: 4
    telemetry: { every: 1m }
    mcu: ${mcu}
    sensors: ${sensors}
phases:
  - { kind: connect, rate: 100/s, settle: 0s }
  - { kind: steady, duration: 6h }
`;

function virtualRun(yaml: string): VirtualSample[] {
  const plan = compileScenarioText(yaml, 'mcu.yaml');
  const f = plan.fleets[0]!;
  const out: VirtualSample[] = [];
  runVirtualShard(plan, { index: 0, count: 1, first: 0, end: f.count }, [{ plan: f, model: getModel(f.model)! }], (s) => out.push(s));
  return out;
}

describe('MCU behaviour in virtual time', () => {
  it('sensors and a drifting clock leave the model values and the schedule as they were', () => {
    const plain = virtualRun(scenario('{}'));
    const real = virtualRun(scenario('{ clockDriftPpm: 500 }', '{ humidity: { noiseSd: 1 } }'));
    expect(real.map((s) => s.ts)).toEqual(plain.map((s) => s.ts));
    expect(real.map((s) => s.readings.temperature)).toEqual(plain.map((s) => s.readings.temperature));
    expect(real.some((s, i) => s.readings.humidity !== plain[i]!.readings.humidity)).toBe(true);
    const last = real.at(-1)!;
    expect(Math.abs((last.readings.deviceTime as number) - last.ts)).toBeGreaterThan(0);
    expect(Math.abs((last.readings.deviceTime as number) - last.ts)).toBeLessThanOrEqual(6 * HOUR * 500e-6 + 1);
  });

  it('boot time delays the first reading by exactly the boot time', () => {
    const plain = virtualRun(scenario('{}'));
    const booting = virtualRun(scenario('{ bootTime: 30s }'));
    const first = (xs: VirtualSample[], id: string) => xs.find((s) => s.deviceId === id)!.ts;
    for (const id of ['e-000000', 'e-000003']) expect(first(booting, id) - first(plain, id)).toBe(30_000);
  });

  it('watchdog resets skip the readings due while the device reboots, and nothing else', () => {
    const plain = virtualRun(scenario('{}'));
    const resets = virtualRun(scenario('{ watchdogResetsPerDay: 48, bootTime: 3m }'));
    // 4 devices × 6 h at 2 resets/h: ~48 reboots, each losing the ~3 readings due in its 3-minute boot.
    const lost = plain.length - resets.length;
    expect(lost).toBeGreaterThan(48);
    expect(lost).toBeLessThan(48 * 3 * 2.5);
    expect(resets).toEqual(virtualRun(scenario('{ watchdogResetsPerDay: 48, bootTime: 3m }'))); // deterministic
  });
});

describe('the reboot command', () => {
  it('answers 503 where no runtime runs the device, and 200 with the boot time where one does', () => {
    const plan = compileScenarioText(scenario('{ bootTime: 2s }'), 'mcu.yaml');
    const f = plan.fleets[0]!;
    const [d] = buildDevices(plan, { index: 0, count: 1, first: 0, end: 1 }, [{ plan: f, model: getModel(f.model)!, transport: NO_TRANSPORT }]);
    expect(handleCommand(d!, { name: 'reboot', payload: null }).status).toBe(503);
    const rebooted: string[] = [];
    const r = handleCommand(d!, { name: 'reboot', payload: null }, { reboot: (x) => rebooted.push(x.deviceId) > 0 });
    expect(r).toEqual({ status: 200, payload: { rebooting: true, bootTimeMs: 2000 } });
    expect(rebooted).toEqual(['e-000000']);
  });
});
