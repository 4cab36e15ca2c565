import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import { DEFAULTS, etMmPerHour, initSoil, stepSoil, type SoilParams } from '../../src/devices/physics/soil.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../src/devices/physics/util.js';

const T0 = Date.UTC(2026, 5, 1);
const DRY: SoilParams = { ...DEFAULTS, irrigationHour: -1, rainPerDay: 0 };

function run(p: SoilParams, seed: string, stepMs: number, totalMs: number, start = 25) {
  const rng = createRng(seed);
  const s = initSoil(p, rng);
  s.moisturePercent = start;
  const out: number[] = [];
  for (let t = T0 + stepMs; t <= T0 + totalMs; t += stepMs) {
    stepSoil(s, p, t, stepMs, rng);
    out.push(s.moisturePercent);
  }
  return { s, out };
}

describe('soil', () => {
  it('ET integrates to etMmPerDay and peaks at noon', () => {
    let sum = 0;
    for (let h = 0; h < 24; h += 0.001) sum += etMmPerHour(DEFAULTS, h + 0.0005) * 0.001;
    expect(sum).toBeCloseTo(DEFAULTS.etMmPerDay, 4);
    expect(etMmPerHour(DEFAULTS, 12)).toBeGreaterThan(etMmPerHour(DEFAULTS, 9));
    expect(etMmPerHour(DEFAULTS, 2)).toBe(0);
  });

  it('dries by day, not by night, toward (never below) the wilting point; step-size independent', () => {
    const { out } = run(DRY, 'd', HOUR_MS, 30 * DAY_MS);
    const day1 = out.slice(0, 24);
    expect(day1[5]).toBeCloseTo(25, 9); // 00–06: no ET
    expect(day1[17]!).toBeLessThan(day1[6]! - 0.3);
    expect(day1[23]).toBeCloseTo(day1[17]!, 9);
    expect(out.at(-1)!).toBeGreaterThan(DRY.wiltingPointPercent);
    expect(out.at(-1)!).toBeLessThan(DRY.wiltingPointPercent + 3);
    const fine = run(DRY, 'd', MINUTE_MS, 2 * DAY_MS).s.moisturePercent;
    expect(run(DRY, 'd', HOUR_MS, 2 * DAY_MS).s.moisturePercent).toBeCloseTo(fine, 9);
  });

  it('scheduled irrigation at 05:00 raises moisture with a lag, then drains toward field capacity', () => {
    const p = { ...DEFAULTS, rainPerDay: 0 };
    const { out, s } = run(p, 'i', 5 * MINUTE_MS, DAY_MS);
    const at = (h: number) => out[h * 12 - 1]!;
    const rise10 = at(5 + 1 / 6) - at(5);
    const rise60 = at(6) - at(5);
    expect(rise10).toBeGreaterThan(0);
    expect(rise10).toBeLessThan(0.5 * rise60); // lagged: most arrives later
    expect(rise60).toBeCloseTo((10 / 300) * 100 * (1 - Math.exp(-2)), 1);
    expect(s.irrigations).toBe(1);
  });

  it('threshold irrigation keeps the soil near the threshold; rain events are seeded and counted', () => {
    const p = { ...DEFAULTS, irrigationHour: -1, irrigationThresholdPercent: 20, rainPerDay: 0.3 };
    const a = run(p, 'r', 15 * MINUTE_MS, 60 * DAY_MS);
    expect(a.out).toEqual(run(p, 'r', 15 * MINUTE_MS, 60 * DAY_MS).out);
    expect(Math.min(...a.out.slice(96))).toBeGreaterThan(19);
    expect(a.s.irrigations).toBeGreaterThanOrEqual(2); // rain does part of the work
    expect(a.s.rainEvents).toBeGreaterThan(8); // ≈ 18
    expect(a.s.rainEvents).toBeLessThan(32);
    expect(Math.max(...a.out)).toBeLessThanOrEqual(p.saturationPercent);
  });
});
