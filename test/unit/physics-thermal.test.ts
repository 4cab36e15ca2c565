import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import { DEFAULTS, FREEZER, initThermal, stepThermal, type ThermalParams } from '../../src/devices/physics/thermal.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, dailySinusoid, dayOfWeek, hourOfDay } from '../../src/devices/physics/util.js';

const T0 = Date.UTC(2026, 0, 1);

function run(p: ThermalParams, seed: string, stepMs: number, totalMs: number, start = T0) {
  const rng = createRng(seed);
  const s = initThermal(p, rng);
  const temps: number[] = [];
  for (let t = start + stepMs; t <= start + totalMs; t += stepMs) {
    stepThermal(s, p, t, stepMs, rng);
    temps.push(s.temperatureC);
  }
  return { s, temps };
}

describe('util', () => {
  it('time of day and day of week are UTC', () => {
    expect(hourOfDay(T0 + 13.5 * HOUR_MS)).toBeCloseTo(13.5);
    expect(dayOfWeek(T0)).toBe(4); // 2026-01-01 is a Thursday
    expect(dayOfWeek(T0 + 3 * DAY_MS)).toBe(0);
    expect(dailySinusoid(T0 + 15 * HOUR_MS, 10, 5, 15)).toBeCloseTo(15);
    expect(dailySinusoid(T0 + 3 * HOUR_MS, 10, 5, 15)).toBeCloseTo(5);
  });
});

describe('thermal', () => {
  it('is deterministic for a seed', () => {
    expect(run(FREEZER, 'a', MINUTE_MS * 7, DAY_MS).temps).toEqual(run(FREEZER, 'a', MINUTE_MS * 7, DAY_MS).temps);
    expect(run(FREEZER, 'a', MINUTE_MS * 7, DAY_MS).temps).not.toEqual(run(FREEZER, 'b', MINUTE_MS * 7, DAY_MS).temps);
  });

  it('one 1-hour step equals sixty 1-minute steps, controller included (no doors)', () => {
    const p = { ...FREEZER, doorRatePerHour: 0 };
    const a = run(p, 'x', HOUR_MS, 12 * HOUR_MS);
    const b = run(p, 'x', MINUTE_MS, 12 * HOUR_MS);
    expect(a.s.temperatureC).toBeCloseTo(b.s.temperatureC, 9);
    expect(a.s.cycles).toBe(b.s.cycles);
    expect(a.s.onMs).toBeCloseTo(b.s.onMs, 0);
  });

  it('a shut freezer pulled down from room temperature converges into its band and the compressor cycles', () => {
    const p = { ...FREEZER, doorRatePerHour: 0 };
    const rng = createRng('f');
    const s = initThermal(p, rng);
    s.temperatureC = 20;
    let t = T0;
    for (let i = 0; i < 6 * 60; i++) stepThermal(s, p, (t += MINUTE_MS), MINUTE_MS, rng);
    const cyclesBefore = s.cycles;
    const onBefore = s.onMs;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < 24 * 60; i++) {
      stepThermal(s, p, (t += MINUTE_MS), MINUTE_MS, rng);
      min = Math.min(min, s.temperatureC);
      max = Math.max(max, s.temperatureC);
    }
    expect(min).toBeGreaterThanOrEqual(-19 - 1e-9);
    expect(max).toBeLessThanOrEqual(-17 + 1e-9);
    expect(max - min).toBeGreaterThan(1.9); // it swings across the whole band
    expect(s.cycles - cyclesBefore).toBeGreaterThan(3);
    // Steady-state duty balances the heat leak: kAmb (Ta − Ts) = duty · kAct (Ts − Tact).
    const duty = (s.onMs - onBefore) / DAY_MS;
    const expected = ((1 / p.tauMinutes) * (p.ambientMeanC - p.setpointC)) / ((1 / p.actuatorTauMinutes) * (p.setpointC - p.actuatorTargetC));
    expect(duty).toBeCloseTo(expected, 1);
  });

  it('door openings are counted and warm the freezer', () => {
    const p = { ...FREEZER, doorRatePerHour: 2 };
    const { s } = run(p, 'd', 5 * MINUTE_MS, 10 * DAY_MS);
    expect(s.doorOpenings).toBeGreaterThan(400); // ~480 expected
    expect(s.doorOpenings).toBeLessThan(560);
  });

  it('an unheated room follows the ambient with the RC lag: peak delayed by atan(ωτ)/ω, amplitude A/√(1+(ωτ)²)', () => {
    const tau = 180;
    const p: ThermalParams = { ...DEFAULTS, tauMinutes: tau, doorRatePerHour: 0, actuatorTauMinutes: 0, setpointC: -100 };
    const rng = createRng('r');
    const s = initThermal(p, rng);
    s.temperatureC = p.ambientMeanC;
    let t = T0;
    for (let i = 0; i < 5 * 24 * 60; i++) stepThermal(s, p, (t += MINUTE_MS), MINUTE_MS, rng);
    let best = -Infinity;
    let bestHour = 0;
    for (let i = 0; i < 24 * 60; i++) {
      stepThermal(s, p, (t += MINUTE_MS), MINUTE_MS, rng);
      if (s.temperatureC > best) [best, bestHour] = [s.temperatureC, hourOfDay(t)];
    }
    expect(s.on).toBe(false);
    const w = (2 * Math.PI) / (24 * 60);
    const lagH = Math.atan(w * tau) / w / 60;
    expect(bestHour).toBeCloseTo(p.ambientPeakHour + lagH, 0);
    expect(best - p.ambientMeanC).toBeCloseTo(p.ambientAmplitudeC / Math.sqrt(1 + (w * tau) ** 2), 1);
  });

  it('a heated room holds its setpoint band on a cold day', () => {
    const p = { ...DEFAULTS, doorRatePerHour: 0 };
    const { temps, s } = run(p, 'h', MINUTE_MS, 2 * DAY_MS);
    for (const v of temps.slice(60)) expect(Math.abs(v - p.setpointC)).toBeLessThanOrEqual(p.hysteresisC + 1e-9);
    expect(s.cycles).toBeGreaterThan(2);
  });
});
