import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import { DEFAULTS, initCo2, steadyStatePpm, stepCo2 } from '../../src/devices/physics/co2.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../src/devices/physics/util.js';

const MON = Date.UTC(2026, 0, 5); // a Monday

describe('co2', () => {
  it('steady state: 6 people × 18 L/h in 75 m³ at 1 ACH → 420 + 1440 ppm', () => {
    expect(steadyStatePpm(DEFAULTS, 6)).toBeCloseTo(420 + (1e6 * 0.108) / 75, 9);
    expect(steadyStatePpm(DEFAULTS, 0)).toBe(420);
  });

  it('converges to the steady state in a long fully occupied period (exact mass balance)', () => {
    // Constant occupancy: schedule noise off, full from 9 to 12.
    const p = { ...DEFAULTS, occupancyNoise: 0, airChangesPerHour: 4 };
    const s = initCo2(p, createRng('c'));
    const rng = createRng('c');
    stepCo2(s, p, MON + 12 * HOUR_MS, 12 * HOUR_MS, rng);
    expect(s.occupants).toBe(6);
    expect(s.ppm).toBeCloseTo(steadyStatePpm(p, 6), 2); // 3 h at 4 ACH: e^-12 of the gap left
    // After hours it decays back to outdoor.
    stepCo2(s, p, MON + 24 * HOUR_MS, 12 * HOUR_MS, rng);
    expect(s.occupants).toBe(0);
    expect(s.ppm).toBeCloseTo(420, 2);
  });

  it('matches the analytic solution after 1 hour from outdoor: Css − (Css − Cout) e^(−ACH·t)', () => {
    const p = { ...DEFAULTS, occupancyNoise: 0 };
    const s = initCo2(p, createRng('a'));
    stepCo2(s, p, MON + 7 * HOUR_MS, 7 * HOUR_MS, createRng('a')); // overnight: stays at 420
    expect(s.ppm).toBeCloseTo(420, 9);
    stepCo2(s, p, MON + 8 * HOUR_MS, HOUR_MS, createRng('a')); // 7–8 h: 0.1 × 6 → 1 person
    expect(s.occupants).toBe(1);
    const css = steadyStatePpm(p, 1);
    expect(s.ppm).toBeCloseTo(css - (css - 420) * Math.exp(-1), 6);
  });

  it('one step over a day equals 1-minute steps, noise included (occupancy drawn per 15-minute slot)', () => {
    const a = initCo2(DEFAULTS, createRng('x'));
    const b = initCo2(DEFAULTS, createRng('x'));
    const ra = createRng('x');
    const rb = createRng('x');
    stepCo2(a, DEFAULTS, MON + DAY_MS, DAY_MS, ra);
    for (let t = MON + MINUTE_MS; t <= MON + DAY_MS; t += MINUTE_MS) stepCo2(b, DEFAULTS, t, MINUTE_MS, rb);
    expect(a.ppm).toBeCloseTo(b.ppm, 6);
  });

  it('is deterministic and noisy occupancy varies by seed; weekends are empty', () => {
    const go = (seed: string) => {
      const rng = createRng(seed);
      const s = initCo2(DEFAULTS, rng);
      const out: number[] = [];
      for (let t = MON + 5 * MINUTE_MS; t <= MON + 7 * DAY_MS; t += 5 * MINUTE_MS) {
        stepCo2(s, DEFAULTS, t, 5 * MINUTE_MS, rng);
        out.push(s.ppm);
      }
      return out;
    };
    const a = go('o');
    expect(a).toEqual(go('o'));
    expect(a).not.toEqual(go('p'));
    const peak = Math.max(...a);
    expect(peak).toBeGreaterThan(1000);
    expect(peak).toBeLessThan(420 + 1.5 * 1440 + 1);
    const sunday = a.slice(6 * 288 + 100);
    expect(Math.max(...sunday)).toBeLessThan(421);
  });
});
