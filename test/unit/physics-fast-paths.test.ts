/**
 * The hot loops of virtual time use precomputed tables and memos in place of the plain formulas; each must give the
 * very same doubles (Object.is), or seeded runs would change.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import { type GpsParams, initGps, stepGps } from '../../src/devices/physics/gps.js';
import { ExpMemo, dailyCosByMinute, dailySinusoid, minuteOfDay } from '../../src/devices/physics/util.js';

describe('dailyCosByMinute', () => {
  it('gives dailySinusoid at every minute midpoint bit for bit (any epoch, before 1970 too, signed zeros)', () => {
    const rng = createRng('fast-paths', 'daily');
    let checked = 0;
    for (const peak of [15, 0, -0, 3.7, 23.99]) {
      const cos = dailyCosByMinute(peak);
      for (let k = 0; k < 20_000; k++) {
        const t = rng.uniform(-1e12, 3e12);
        const minute = Math.floor(t / 60_000);
        for (const [mean, amp] of [[20, 2], [-0, 0], [0, -0], [-18.3, 7.77]] as const) {
          const want = dailySinusoid(minute * 60_000 + 30_000, mean, amp, peak);
          const got = mean + amp * (cos[minuteOfDay(minute)] as number);
          if (!Object.is(want, got)) expect.fail(`t=${t} peak=${peak} mean=${mean} amp=${amp}: ${want} vs ${got}`);
          checked++;
        }
      }
    }
    expect(checked).toBe(5 * 20_000 * 4);
  });
});

/**
 * stepGps over random routes, geofences (none, small, large, far away, on a waypoint), step lengths and noise. The
 * digest was taken from the plain implementation (one placement and geofence test per piece, a cos per step) before
 * the quiet-segment and memo fast paths: any change of a single double changes it.
 */
describe('stepGps fast paths', () => {
  it('keep every state field of the plain implementation', () => {
    const meta = createRng('fast-paths', 'gps');
    const hash = createHash('sha256');
    for (let k = 0; k < 150; k++) {
      const n = 2 + meta.int(6);
      const cLat = meta.uniform(-60, 60);
      const cLon = meta.uniform(-170, 170);
      const spread = [0.001, 0.01, 0.05, 0.5][meta.int(4)] as number;
      const route = Array.from({ length: n }, () => [cLat + meta.uniform(-spread, spread), cLon + meta.uniform(-spread, spread)] as const);
      const onWaypoint = meta.int(4) === 0;
      const p: GpsParams = {
        route,
        cruiseMs: meta.uniform(1, 50),
        accelMs2: meta.uniform(0.1, 5),
        stopMinS: meta.uniform(0, 60),
        stopMaxS: 0,
        noiseM: meta.int(3) === 0 ? 0 : meta.uniform(0, 10),
        geofenceLat: onWaypoint ? route[0]![0] : cLat + meta.uniform(-spread, spread),
        geofenceLon: onWaypoint ? route[0]![1] : cLon + meta.uniform(-spread, spread),
        geofenceRadiusM: [0, 50, 150, 2000, 200_000][meta.int(5)] as number,
      };
      p.stopMaxS = p.stopMinS + meta.uniform(0, 120);
      const rng = createRng('fast-paths', 'gps', k);
      const s = initGps(p, rng);
      const step = [1000, 5000, 60_000, 60_000.37, 600_000][meta.int(5)] as number;
      for (let i = 1; i <= 200; i++) {
        stepGps(s, p, i * step, step, rng);
        hash.update(JSON.stringify(s));
      }
    }
    expect(hash.digest('hex')).toBe('f814ed0ec714f43085f446d35477afdb9906fc22a88580f6018e0b94c4a5f9ae');
  });
});

describe('ExpMemo', () => {
  it('returns Math.exp of its argument, hit or miss (repeats, signed zeros, NaN, infinities)', () => {
    const rng = createRng('fast-paths', 'exp');
    const memo = new ExpMemo();
    const pool = [0, -0, NaN, Infinity, -Infinity, -1e-300, -745.2, 709.7, ...Array.from({ length: 6 }, () => rng.uniform(-5, 1))];
    let hits = 0;
    const seen = new Set<number>();
    for (let i = 0; i < 50_000; i++) {
      const x = pool[rng.int(pool.length)] as number;
      if (seen.has(x)) hits++;
      seen.add(x);
      const got = memo.exp(x);
      if (!Object.is(got, Math.exp(x))) expect.fail(`exp(${x}): ${got} vs ${Math.exp(x)}`);
    }
    expect(hits).toBeGreaterThan(40_000); // arguments repeat (14 values, 4 slots): both the hit and the miss path run
  });
});
