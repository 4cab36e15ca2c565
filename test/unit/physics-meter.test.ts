import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import { BUILDING, DEFAULTS, baseKw, initMeter, stepMeter, type MeterParams } from '../../src/devices/physics/meter.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../src/devices/physics/util.js';

const MON = Date.UTC(2026, 0, 5); // a Monday

function run(p: MeterParams, seed: string, stepMs: number, totalMs: number) {
  const rng = createRng(seed);
  const s = initMeter(p, rng);
  let integral = 0;
  let prev = baseKw(p, MON);
  const powers: number[] = [];
  for (let t = MON + stepMs; t <= MON + totalMs; t += stepMs) {
    stepMeter(s, p, t, stepMs, rng);
    integral += ((prev + s.powerKw) / 2) * (stepMs / HOUR_MS);
    prev = s.powerKw;
    powers.push(s.powerKw);
  }
  return { s, integral, powers };
}

describe('meter', () => {
  it('is deterministic for a seed', () => {
    expect(run(DEFAULTS, 'a', 5 * MINUTE_MS, 7 * DAY_MS).powers).toEqual(run(DEFAULTS, 'a', 5 * MINUTE_MS, 7 * DAY_MS).powers);
    expect(run(DEFAULTS, 'a', 5 * MINUTE_MS, 7 * DAY_MS).powers).not.toEqual(run(DEFAULTS, 'b', 5 * MINUTE_MS, 7 * DAY_MS).powers);
  });

  it('kWh is the exact integral of the profile: one day-long step = the trapezoid sum over hourly knots', () => {
    const p = { ...DEFAULTS, applianceRatePerHour: 0 };
    const a = run(p, 'x', DAY_MS, DAY_MS);
    const b = run(p, 'x', MINUTE_MS, DAY_MS);
    expect(a.s.energyKwh).toBeCloseTo(b.s.energyKwh, 9);
    expect(b.integral).toBeCloseTo(b.s.energyKwh, 9); // the profile is linear between the 1-minute samples
    expect(a.s.energyKwh).toBeGreaterThan(8); // a typical home: 8–15 kWh a day
    expect(a.s.energyKwh).toBeLessThan(15);
  });

  it('with appliances, kWh equals the integral of kW sampled every 10 s (within the edges of appliance runs)', () => {
    const { s, integral } = run(DEFAULTS, 'app', 10_000, 3 * DAY_MS);
    expect(s.appliances).toBeGreaterThan(25); // 0.6/h × 72 h ≈ 43
    expect(Math.abs(integral - s.energyKwh) / s.energyKwh).toBeLessThan(0.005);
    const big = run(DEFAULTS, 'app', 6 * HOUR_MS, 3 * DAY_MS);
    expect(big.s.energyKwh).toBeCloseTo(s.energyKwh, 6); // and it does not depend on the step size
  });

  it('household: evening peak above the night trough; building: office hours and lower weekends', () => {
    expect(baseKw(DEFAULTS, MON + 19 * HOUR_MS)).toBeGreaterThan(4 * baseKw(DEFAULTS, MON + 3 * HOUR_MS));
    expect(baseKw(DEFAULTS, MON + 7 * HOUR_MS)).toBeGreaterThan(baseKw(DEFAULTS, MON + 11 * HOUR_MS));
    expect(baseKw(BUILDING, MON + 11 * HOUR_MS)).toBeGreaterThan(3 * baseKw(BUILDING, MON + 23 * HOUR_MS));
    expect(baseKw(BUILDING, MON + 5 * DAY_MS + 11 * HOUR_MS)).toBeLessThan(0.5 * baseKw(BUILDING, MON + 11 * HOUR_MS));
    const week = run({ ...BUILDING, applianceRatePerHour: 0 }, 'w', HOUR_MS, 7 * DAY_MS).s.energyKwh;
    expect(week).toBeGreaterThan(5 * 24 * 8);
  });

  it('appliances add their power while they run', () => {
    const p = { ...DEFAULTS, applianceRatePerHour: 30, applianceKwMin: 2, applianceKwMax: 2 };
    const { powers } = run(p, 'on', MINUTE_MS, DAY_MS);
    expect(Math.max(...powers)).toBeGreaterThan(6); // several 2 kW loads overlap
    expect(Math.max(...powers)).toBeLessThanOrEqual(1.15 + 4 * 2 + 1e-9);
  });
});
