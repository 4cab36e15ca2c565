import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import { DEFAULTS, bearingDeg, haversineM, initGps, stepGps, type GpsParams } from '../../src/devices/physics/gps.js';
import { HOUR_MS } from '../../src/devices/physics/util.js';

const T0 = Date.UTC(2026, 0, 1);

/** Distance from a point to the closed route, m (local flat projection: fine at a few km). */
function distanceToRoute(p: GpsParams, lat: number, lon: number): number {
  const k = Math.cos((lat * Math.PI) / 180);
  const m = 111_195; // metres per degree of latitude on a 6371 km sphere
  let best = Infinity;
  for (let i = 0; i < p.route.length; i++) {
    const [a1, o1] = p.route[i]!;
    const [a2, o2] = p.route[(i + 1) % p.route.length]!;
    const ax = (o1 - lon) * k * m, ay = (a1 - lat) * m, bx = (o2 - lon) * k * m, by = (a2 - lat) * m;
    const dx = bx - ax, dy = by - ay;
    const t = Math.max(0, Math.min(1, -(ax * dx + ay * dy) / (dx * dx + dy * dy)));
    best = Math.min(best, Math.hypot(ax + t * dx, ay + t * dy));
  }
  return best;
}

function drive(p: GpsParams, seed: string, stepMs: number, totalMs: number) {
  const rng = createRng(seed);
  const s = initGps(p, rng);
  const fixes: [number, number][] = [];
  const speeds: number[] = [];
  for (let t = T0 + stepMs; t <= T0 + totalMs; t += stepMs) {
    stepGps(s, p, t, stepMs, rng);
    fixes.push([s.lat, s.lon]);
    speeds.push(s.speedMs);
  }
  return { s, fixes, speeds };
}

describe('gps', () => {
  it('haversine and bearing', () => {
    expect(haversineM(0, 0, 1, 0)).toBeCloseTo(111_195, 0);
    expect(haversineM(52.52, 13.405, 48.8566, 2.3522)).toBeCloseTo(877_500, -4); // Berlin–Paris ≈ 878 km
    expect(bearingDeg(0, 0, 1, 0)).toBeCloseTo(0, 9);
    expect(bearingDeg(0, 0, 0, 1)).toBeCloseTo(90, 9);
    expect(bearingDeg(0, 0, -1, 0)).toBeCloseTo(180, 9);
  });

  it('is deterministic for a seed', () => {
    expect(drive(DEFAULTS, 'a', 5000, HOUR_MS).fixes).toEqual(drive(DEFAULTS, 'a', 5000, HOUR_MS).fixes);
    expect(drive(DEFAULTS, 'a', 5000, HOUR_MS).fixes).not.toEqual(drive(DEFAULTS, 'b', 5000, HOUR_MS).fixes);
  });

  it('stays within GPS noise of the route, never exceeds cruise speed, and its noise has the right size in metres', () => {
    const { fixes, speeds, s } = drive(DEFAULTS, 'r', 1000, 2 * HOUR_MS);
    const d = fixes.map(([la, lo]) => distanceToRoute(DEFAULTS, la, lo));
    expect(Math.max(...d)).toBeLessThan(5 * DEFAULTS.noiseM * Math.SQRT2);
    // Cross-track error of a 2-D Gaussian with sd σ per axis: mean |N(0, σ)| ≈ 0.8 σ (along-track error is invisible).
    const mean = d.reduce((x, y) => x + y, 0) / d.length;
    expect(mean).toBeGreaterThan(0.6 * DEFAULTS.noiseM);
    expect(mean).toBeLessThan(1.0 * DEFAULTS.noiseM);
    expect(Math.max(...speeds)).toBeLessThanOrEqual(DEFAULTS.cruiseMs + 1e-9);
    expect(speeds.filter((v) => v === 0).length).toBeGreaterThan(100); // stops at waypoints
    expect(s.odometerM).toBeGreaterThan(10_000);
  });

  it('reports geofence entries and exits (about one of each per lap), even with hour-long steps', () => {
    const fine = drive(DEFAULTS, 'g', 1000, 6 * HOUR_MS).s;
    const lap = DEFAULTS.route.reduce((acc, w, i) => {
      const n = DEFAULTS.route[(i + 1) % DEFAULTS.route.length]!;
      return acc + haversineM(w[0], w[1], n[0], n[1]);
    }, 0);
    const laps = fine.odometerM / lap;
    expect(fine.geofenceEntries).toBeGreaterThanOrEqual(Math.floor(laps) - 1);
    expect(fine.geofenceEntries).toBeLessThanOrEqual(Math.ceil(laps) + 1);
    expect(Math.abs(fine.geofenceEntries - fine.geofenceExits)).toBeLessThanOrEqual(1);
    const coarse = drive(DEFAULTS, 'g', HOUR_MS, 6 * HOUR_MS).s;
    expect(coarse.geofenceEntries).toBeGreaterThanOrEqual(Math.floor(coarse.odometerM / lap) - 1);
    expect(coarse.geofenceEntries).toBeGreaterThan(5);
  });

  it('the noiseless trajectory does not depend on the step size; heading follows the segment', () => {
    const p = { ...DEFAULTS, noiseM: 0, stopMinS: 30, stopMaxS: 30 };
    const a = drive(p, 'k', HOUR_MS, HOUR_MS).s;
    const b = drive(p, 'k', 1000, HOUR_MS).s;
    expect(Math.abs(a.odometerM - b.odometerM)).toBeLessThan(1); // mm tolerances at phase ends, over 30+ km
    expect(haversineM(a.lat, a.lon, b.lat, b.lon)).toBeLessThan(1);
    const [w1, w2] = [p.route[a.segment]!, p.route[(a.segment + 1) % p.route.length]!];
    expect(a.headingDeg).toBeCloseTo(bearingDeg(w1[0], w1[1], w2[0], w2[1]), 9);
  });
});
