import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import { DEFAULTS, initSensor, quantise, readSensor, type SensorParams } from '../../src/devices/physics/sensor.js';
import { DAY_MS, MINUTE_MS } from '../../src/devices/physics/util.js';

const T0 = Date.UTC(2026, 0, 1);
const faults = (f: Partial<SensorParams['faults']>) => ({ ...DEFAULTS.faults, ...f });

function series(p: SensorParams, seed: string, n: number, dtMs: number, trueValue: (i: number) => number = () => 20) {
  const rng = createRng(seed);
  const s = initSensor(p, rng);
  const out: (number | null)[] = [];
  for (let i = 1; i <= n; i++) out.push(readSensor(s, p, trueValue(i), T0 + i * dtMs, dtMs, rng));
  return { s, out };
}

describe('sensor', () => {
  it('defaults are a perfect sensor', () => {
    expect(series(DEFAULTS, 'a', 100, MINUTE_MS, (i) => i * 0.37).out).toEqual(Array.from({ length: 100 }, (_, i) => (i + 1) * 0.37));
  });

  it('offset and linear drift per day', () => {
    const p = { ...DEFAULTS, offset: 0.5, driftPerDay: 0.1 };
    const { out } = series(p, 'd', 10, DAY_MS);
    expect(out[9]).toBeCloseTo(20 + 0.5 + 1.0, 9);
  });

  it('quantisation puts every reading on the ADC grid, clamped to the range', () => {
    const p = { ...DEFAULTS, noiseSd: 0.3, bits: 8, rangeMin: -40, rangeMax: 85 };
    const step = 125 / 255;
    const { out } = series(p, 'q', 1000, MINUTE_MS, (i) => -45 + i * 0.14);
    for (const v of out) {
      const k = ((v as number) + 40) / step;
      expect(Math.abs(k - Math.round(k))).toBeLessThan(1e-9);
      expect(v).toBeGreaterThanOrEqual(-40);
      expect(v).toBeLessThanOrEqual(85);
    }
    expect(out[0]).toBe(-40);
    expect(out.at(-1)).toBeCloseTo(85, 9);
    expect(quantise(20.3, 8, -40, 85)).toBeCloseTo(-40 + 123 * step, 9);
  });

  it('noise has the configured sd and is deterministic per seed', () => {
    const p = { ...DEFAULTS, noiseSd: 0.5 };
    const a = series(p, 'n', 5000, MINUTE_MS).out as number[];
    expect(a).toEqual(series(p, 'n', 5000, MINUTE_MS).out);
    const mean = a.reduce((x, y) => x + y, 0) / a.length;
    const sd = Math.sqrt(a.reduce((x, y) => x + (y - mean) ** 2, 0) / a.length);
    expect(mean).toBeCloseTo(20, 1);
    expect(sd).toBeGreaterThan(0.47);
    expect(sd).toBeLessThan(0.53);
  });

  it('dropouts return null at the configured rate: 6/h at 1-minute readings → p = 1 − e^(−0.1) ≈ 9.5 %', () => {
    const p = { ...DEFAULTS, faults: faults({ dropoutRatePerHour: 6 }) };
    const { s, out } = series(p, 'drop', 20_000, MINUTE_MS);
    const nulls = out.filter((v) => v === null).length;
    expect(nulls).toBe(s.dropouts);
    const expected = 20_000 * (1 - Math.exp(-0.1));
    expect(Math.abs(nulls - expected)).toBeLessThan(4 * Math.sqrt(expected)); // ±4σ
    expect(series(p, 'drop', 20_000, MINUTE_MS).out.filter((v) => v === null).length).toBe(nulls);
  });

  it('stuck-at holds the value for the configured duration', () => {
    const p = { ...DEFAULTS, noiseSd: 0.2, faults: faults({ stuckRatePerDay: 4, stuckDurationMinutes: 30 }) };
    const { s, out } = series(p, 'stuck', 14 * 1440, MINUTE_MS, (i) => 20 + Math.sin(i / 50));
    expect(s.stuckFaults).toBeGreaterThan(30); // ≈ 56 expected
    expect(s.stuckFaults).toBeLessThan(90);
    // Find runs of identical readings: each stuck fault gives a run of 30 (the onset reading + 29 held).
    let runs = 0;
    for (let i = 1; i < out.length; ) {
      let j = i;
      while (j < out.length && out[j] === out[i - 1]) j++;
      if (j - i >= 29) runs++;
      i = j + 1;
    }
    expect(runs).toBeGreaterThanOrEqual(s.stuckFaults - 2); // overlaps at the end of the series aside
  });

  it('spikes: about the configured rate, each ± magnitude', () => {
    const p = { ...DEFAULTS, faults: faults({ spikeRatePerHour: 1, spikeMagnitude: 10 }) };
    const { s, out } = series(p, 'spike', 10_000, MINUTE_MS);
    const spikes = out.filter((v) => v !== 20);
    expect(spikes.length).toBe(s.spikes);
    for (const v of spikes) expect(Math.abs((v as number) - 20)).toBe(10);
    const expected = 10_000 * (1 - Math.exp(-1 / 60));
    expect(Math.abs(spikes.length - expected)).toBeLessThan(4 * Math.sqrt(expected));
  });
});
