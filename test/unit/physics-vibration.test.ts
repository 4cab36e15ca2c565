import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import { DEFAULTS, initVibration, severityAt, stepVibration } from '../../src/devices/physics/vibration.js';
import { DAY_MS, HOUR_MS } from '../../src/devices/physics/util.js';

const T0 = Date.UTC(2026, 0, 1);

function daily(seed: string, days: number, p = DEFAULTS) {
  const rng = createRng(seed);
  const s = initVibration(p, rng);
  const out: { sev: number; a2: number; rms: number; ab: number; acc: number }[] = [];
  for (let d = 1; d <= days; d++) {
    stepVibration(s, p, T0 + d * DAY_MS, DAY_MS, rng);
    out.push({ sev: s.severity, a2: s.amp2xMmS, rms: s.rmsVelocityMmS, ab: s.ampBearingMmS, acc: s.peakAccelMs2 });
  }
  return { s, out };
}

describe('vibration', () => {
  it('is deterministic for a seed, and seeds differ in onset', () => {
    expect(daily('m', 300).out).toEqual(daily('m', 300).out);
    expect(daily('m', 1).s.onsetMs).not.toBe(daily('n', 1).s.onsetMs);
  });

  it('healthy machine: RMS from the line amplitudes (peak/√2) and floor, in ISO 10816 zone A/B', () => {
    const p = { ...DEFAULTS, noiseFraction: 0 };
    const { out } = daily('h', 1, p);
    const expected = Math.sqrt((1.2 ** 2 + 0.4 ** 2) / 2 + 0.3 ** 2);
    expect(out[0]?.rms).toBeCloseTo(expected, 9);
    expect(out[0]?.ab).toBe(0);
    expect(expected).toBeLessThan(2.8);
  });

  it('after onset the bearing fault grows exponentially: 2×, bearing line, RMS and acceleration rise', () => {
    const p = { ...DEFAULTS, noiseFraction: 0 };
    const { s, out } = daily('w', 365, p);
    const onsetDay = Math.ceil(s.onsetMs / DAY_MS);
    expect(onsetDay).toBeGreaterThanOrEqual(30);
    expect(onsetDay).toBeLessThanOrEqual(180);
    const before = out[onsetDay - 2]!;
    const later = out[onsetDay + 40]!;
    expect(before.sev).toBe(0);
    expect(later.sev).toBeCloseTo(p.faultInitialSeverity * Math.exp(p.faultGrowthPerDay * (onsetDay + 41 - s.onsetMs / DAY_MS)), 9);
    expect(later.a2).toBeGreaterThan(before.a2);
    expect(later.ab).toBeGreaterThan(0);
    expect(later.rms).toBeGreaterThan(before.rms);
    expect(later.acc).toBeGreaterThan(before.acc);
    // Monotone growth of the 2× line without noise, capped at severity 1.
    for (let i = 1; i < out.length; i++) expect(out[i]!.a2).toBeGreaterThanOrEqual(out[i - 1]!.a2);
    expect(out.at(-1)!.sev).toBeLessThanOrEqual(1);
  });

  it('with noise, the 2× amplitude still grows over time (30-day means)', () => {
    const { s, out } = daily('n', 365);
    const onsetDay = Math.ceil(s.onsetMs / DAY_MS);
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    const early = mean(out.slice(0, 30).map((o) => o.a2));
    const late = mean(out.slice(onsetDay + 60, onsetDay + 90).map((o) => o.a2));
    expect(late).toBeGreaterThan(early * 1.5);
  });

  it('severity does not depend on the step size', () => {
    const rngA = createRng('s');
    const a = initVibration(DEFAULTS, rngA);
    const b = { ...a };
    const p = { ...DEFAULTS, noiseFraction: 0 };
    stepVibration(a, p, T0, 200 * DAY_MS, rngA);
    for (let i = 0; i < 200 * 24; i++) stepVibration(b, p, T0, HOUR_MS, rngA);
    expect(a.severity).toBeCloseTo(b.severity, 9);
    expect(severityAt(p, 10 * DAY_MS, 5 * DAY_MS)).toBe(0);
  });

  it('the fault can be disabled', () => {
    const { out } = daily('off', 400, { ...DEFAULTS, faultOnsetMaxDays: 0 });
    expect(out.every((o) => o.sev === 0)).toBe(true);
  });
});
