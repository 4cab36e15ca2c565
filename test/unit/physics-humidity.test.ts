import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import { DEFAULTS, absoluteHumidityGm3, initHumidity, saturationVapourPressureHPa, stepHumidity } from '../../src/devices/physics/humidity.js';
import { DEFAULTS as PDEF, initPressure, stepPressure, tideHPa } from '../../src/devices/physics/pressure.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../src/devices/physics/util.js';

const T0 = Date.UTC(2026, 0, 1);

describe('humidity', () => {
  it('Magnus: 6.11 hPa at 0 °C, ≈ 23.4 hPa at 20 °C, ≈ 42.4 at 30 °C', () => {
    expect(saturationVapourPressureHPa(0)).toBeCloseTo(6.11, 2);
    expect(saturationVapourPressureHPa(20)).toBeCloseTo(23.37, 1);
    expect(saturationVapourPressureHPa(30)).toBeCloseTo(42.4, 0);
    expect(absoluteHumidityGm3(saturationVapourPressureHPa(20), 20)).toBeCloseTo(17.3, 0);
  });

  it('RH falls when the temperature rises at constant moisture, and rises back when it cools', () => {
    const p = { ...DEFAULTS, noiseHPaPerSqrtHour: 0, relaxHours: 1e9 };
    const s = initHumidity(p, 20, createRng('h'));
    const rh20 = s.rhPercent;
    const e = s.vapourPressureHPa;
    stepHumidity(s, p, 25, T0, MINUTE_MS, createRng('x'));
    expect(s.rhPercent).toBeLessThan(rh20 - 10);
    expect(s.vapourPressureHPa).toBeCloseTo(e, 6);
    expect(s.rhPercent).toBeCloseTo((100 * e) / saturationVapourPressureHPa(25), 6);
    stepHumidity(s, p, 20, T0, MINUTE_MS, createRng('x'));
    expect(s.rhPercent).toBeCloseTo(rh20, 6);
  });

  it('cooling below the dew point condenses: RH caps at 100 and moisture is lost', () => {
    const p = { ...DEFAULTS, noiseHPaPerSqrtHour: 0, relaxHours: 1e9 };
    const s = initHumidity(p, 21, createRng('c'));
    stepHumidity(s, p, 0, T0, MINUTE_MS, createRng('x'));
    expect(s.rhPercent).toBeCloseTo(100, 9);
    stepHumidity(s, p, 21, T0, MINUTE_MS, createRng('x'));
    expect(s.rhPercent).toBeLessThan(30);
  });

  it('relaxes toward the target; one 1-hour step equals sixty 1-minute steps without noise', () => {
    const p = { ...DEFAULTS, noiseHPaPerSqrtHour: 0 };
    const a = initHumidity(p, 21, createRng('r'));
    a.vapourPressureHPa = 5;
    const b = { ...a };
    stepHumidity(a, p, 21, T0, HOUR_MS, createRng('x'));
    for (let i = 0; i < 60; i++) stepHumidity(b, p, 21, T0, MINUTE_MS, createRng('x'));
    expect(a.vapourPressureHPa).toBeCloseTo(b.vapourPressureHPa, 9);
    for (let i = 0; i < 100; i++) stepHumidity(a, p, 21, T0, HOUR_MS, createRng('x'));
    expect(a.rhPercent).toBeCloseTo(p.targetRhPercent, 4);
  });

  it('is deterministic for a seed', () => {
    const go = (seed: string) => {
      const rng = createRng(seed);
      const s = initHumidity(DEFAULTS, 21, rng);
      const out: number[] = [];
      for (let i = 0; i < 200; i++) {
        stepHumidity(s, DEFAULTS, 21 + Math.sin(i / 10), T0 + i * MINUTE_MS, MINUTE_MS, rng);
        out.push(s.rhPercent);
      }
      return out;
    };
    expect(go('a')).toEqual(go('a'));
    expect(go('a')).not.toEqual(go('b'));
  });
});

describe('pressure', () => {
  it('is deterministic and stays in a plausible range with the right spread over a year', () => {
    const go = (seed: string) => {
      const rng = createRng(seed);
      const s = initPressure(PDEF, rng);
      const out: number[] = [];
      for (let t = T0; t < T0 + 365 * DAY_MS; t += HOUR_MS) {
        stepPressure(s, PDEF, t, HOUR_MS, rng);
        out.push(s.pressureHPa);
      }
      return out;
    };
    const a = go('p');
    expect(a).toEqual(go('p'));
    const mean = a.reduce((x, y) => x + y, 0) / a.length;
    const sd = Math.sqrt(a.reduce((x, y) => x + (y - mean) ** 2, 0) / a.length);
    expect(Math.abs(mean - PDEF.meanHPa)).toBeLessThan(3);
    expect(sd).toBeGreaterThan(5);
    expect(sd).toBeLessThan(11);
    expect(Math.min(...a)).toBeGreaterThan(960);
    expect(Math.max(...a)).toBeLessThan(1060);
    // Fronts are slow: the sd of hour-to-hour changes is frontSd · √(1 − e^(−2h/τ)) (under 1 hPa), plus a little tide.
    const d: number[] = [];
    for (let i = 1; i < a.length; i++) d.push((a[i] as number) - (a[i - 1] as number));
    const dsd = Math.sqrt(d.reduce((x, y) => x + y * y, 0) / d.length);
    const expected = PDEF.frontSdHPa * Math.sqrt(1 - Math.exp(-2 / (24 * PDEF.frontTauDays)));
    expect(dsd).toBeGreaterThan(expected * 0.95);
    expect(dsd).toBeLessThan(expected * 1.1);
    expect(expected).toBeLessThan(1);
  });

  it('without fronts it is the mean plus a 12-hour tide peaking at 10 and 22 UTC', () => {
    const p = { ...PDEF, frontSdHPa: 0 };
    const s = initPressure(p, createRng('t'));
    stepPressure(s, p, T0 + 10 * HOUR_MS, HOUR_MS, createRng('t'));
    expect(s.pressureHPa).toBeCloseTo(p.meanHPa + p.tideAmplitudeHPa, 9);
    stepPressure(s, p, T0 + 16 * HOUR_MS, HOUR_MS, createRng('t'));
    expect(s.pressureHPa).toBeCloseTo(p.meanHPa - p.tideAmplitudeHPa, 9);
    expect(tideHPa(p, T0 + 22 * HOUR_MS)).toBeCloseTo(p.tideAmplitudeHPa, 9);
  });
});
