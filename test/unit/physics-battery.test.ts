import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import { DEFAULTS, LI_ION_OCV, initBattery, stepBattery } from '../../src/devices/physics/battery.js';
import { HOUR_MS, MINUTE_MS, interpolate } from '../../src/devices/physics/util.js';

describe('battery', () => {
  it('OCV table: 4.2 V full, 3.0 V empty, monotone', () => {
    expect(interpolate(LI_ION_OCV, 100)).toBe(4.2);
    expect(interpolate(LI_ION_OCV, 0)).toBe(3.0);
    for (let i = 1; i < LI_ION_OCV.length; i++) expect(LI_ION_OCV[i]![1]).toBeGreaterThan(LI_ION_OCV[i - 1]![1]);
  });

  it('dies at capacity / current (no self-discharge, no IR drop), voltage non-increasing all the way', () => {
    const p = { ...DEFAULTS, capacityMah: 1000, internalResistanceOhm: 0, selfDischargePercentPerMonth: 0 };
    const rng = createRng('b');
    const s = initBattery(p, rng);
    let prev = s.voltageV;
    let deadAtMs = -1;
    for (let t = MINUTE_MS; t <= 30 * HOUR_MS; t += MINUTE_MS) {
      stepBattery(s, p, 100, 25, t, MINUTE_MS, rng);
      expect(s.voltageV).toBeLessThanOrEqual(prev);
      prev = s.voltageV;
      if (s.dead && deadAtMs < 0) deadAtMs = t;
    }
    expect(deadAtMs).toBe(10 * HOUR_MS); // 1000 mAh / 100 mA
  });

  it('with internal resistance it browns out earlier; voltage never rises even when the load drops or it warms', () => {
    const p = { ...DEFAULTS, capacityMah: 1000, internalResistanceOhm: 0.5, selfDischargePercentPerMonth: 0 };
    const rng = createRng('r');
    const s = initBattery(p, rng);
    let prev = s.voltageV;
    let deadAtMs = -1;
    for (let i = 1; i <= 20 * 60; i++) {
      const current = i % 10 === 0 ? 400 : 80; // a radio burst every 10 minutes
      const temp = 10 + 10 * Math.sin(i / 100);
      stepBattery(s, p, current, temp, i * MINUTE_MS, MINUTE_MS, rng);
      expect(s.voltageV).toBeLessThanOrEqual(prev);
      prev = s.voltageV;
      if (s.dead && deadAtMs < 0) deadAtMs = i * MINUTE_MS;
    }
    expect(deadAtMs).toBeGreaterThan(0);
    expect(deadAtMs).toBeLessThan((1000 / 112) * HOUR_MS);
  });

  it('cold reduces the available capacity: SoC lower at −10 °C than at 25 °C for the same charge drawn', () => {
    const rng = createRng('c');
    const p = { ...DEFAULTS, selfDischargePercentPerMonth: 0 };
    const warm = initBattery(p, rng);
    const cold = initBattery(p, rng);
    stepBattery(warm, p, 50, 25, HOUR_MS, 10 * HOUR_MS, rng);
    stepBattery(cold, p, 50, -10, HOUR_MS, 10 * HOUR_MS, rng);
    expect(cold.usedMah).toBeCloseTo(warm.usedMah, 9);
    expect(warm.socPercent).toBeCloseTo(100 * (1 - 500 / 2600), 9);
    expect(cold.socPercent).toBeCloseTo(100 * (1 - 500 / (0.75 * 2600)), 9);
    expect(cold.voltageV).toBeLessThan(warm.voltageV);
  });

  it('charging (negative current) revives a dead battery; step size does not change the charge drawn', () => {
    const p = { ...DEFAULTS, capacityMah: 100 };
    const rng = createRng('x');
    const s = initBattery(p, rng);
    stepBattery(s, p, 200, 25, 0, HOUR_MS, rng);
    expect(s.dead).toBe(true);
    stepBattery(s, p, -100, 25, 0, 0.5 * HOUR_MS, rng);
    expect(s.dead).toBe(false);
    expect(s.voltageV).toBeGreaterThan(p.cutoffV);
    const a = initBattery(DEFAULTS, createRng('y'));
    const b = { ...a };
    stepBattery(a, DEFAULTS, 30, 25, 0, HOUR_MS, rng);
    for (let i = 0; i < 60; i++) stepBattery(b, DEFAULTS, 30, 25, 0, MINUTE_MS, rng);
    expect(a.usedMah).toBeCloseTo(b.usedMah, 9);
    expect(a.voltageV).toBeCloseTo(b.voltageV, 9);
  });

  it('a partly charged start is seeded', () => {
    const p = { ...DEFAULTS, initialSocPercent: 60 };
    expect(initBattery(p, createRng('1')).socPercent).toBe(initBattery(p, createRng('1')).socPercent);
    expect(initBattery(p, createRng('1')).socPercent).not.toBe(initBattery(p, createRng('2')).socPercent);
  });
});
