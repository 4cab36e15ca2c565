/** Physical sanity of the built-in models, through the DeviceModel interface only (params → init → step → read). */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import type { AnyDeviceModel, CommandResult, Readings } from '../../src/devices/model.js';
import { haversineM } from '../../src/devices/physics/gps.js';
import { getModel, listModels } from '../../src/devices/registry.js';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

function model(name: string): AnyDeviceModel {
  const m = getModel(name);
  if (m === undefined) throw new Error(`no model ${name}`);
  return m;
}

/** A device of `name` with `params`, seeded; sample() steps to the next time and reads. */
function device(name: string, params: Record<string, unknown> = {}, seed = 'sanity') {
  const m = model(name);
  const rng = createRng(seed, name, 0);
  let state: unknown = m.init({ deviceId: `${name}-0`, fleetId: 'sanity', index: 0, params: m.params.parse(params), rng });
  let now = T0;
  return {
    sample(stepMs: number): Readings {
      now += stepMs;
      state = m.step(state, now, stepMs, rng);
      return m.read(state);
    },
    run(totalMs: number, stepMs: number): Readings[] {
      const out: Readings[] = [];
      for (let t = 0; t < totalMs; t += stepMs) out.push(this.sample(stepMs));
      return out;
    },
    command(name: string, payload: unknown): CommandResult {
      return m.onCommand?.(state, { name, payload }) ?? { status: 404 };
    },
  };
}

const num = (r: Readings, key: string): number => {
  const v = r[key];
  if (typeof v !== 'number') throw new Error(`${key} is ${JSON.stringify(v)}, not a number`);
  return v;
};

describe('cold-chain-freezer', () => {
  it('with the door shut, pulls down from 20 °C into −18 ± hysteresis within a few hours, and the compressor cycles', () => {
    const d = device('cold-chain-freezer', { doorRatePerHour: 0, startC: 20 });
    const readings = d.run(24 * HOUR, MIN);
    const settled = readings.slice(6 * 60);
    for (const r of settled) {
      expect(num(r, 'temperature')).toBeGreaterThanOrEqual(-19 - 0.3);
      expect(num(r, 'temperature')).toBeLessThanOrEqual(-17 + 0.3);
    }
    let starts = 0;
    for (let i = 1; i < settled.length; i++) if (settled[i]?.compressor === true && settled[i - 1]?.compressor === false) starts++;
    expect(starts).toBeGreaterThan(5);
    expect(readings.every((r) => r.doorOpenings === 0)).toBe(true);
    const diag = d.command('getDiagnostics', null);
    expect(diag.status).toBe(200);
    expect((diag.payload as { compressorDuty: number }).compressorDuty).toBeGreaterThan(0.1);
  });

  it('setSetpoint moves the band: it converges to the new setpoint; a bad payload is 400, an unknown command 404', () => {
    const d = device('cold-chain-freezer', { doorRatePerHour: 0 });
    d.run(2 * HOUR, MIN);
    expect(d.command('setSetpoint', { setpointC: -25 })).toEqual({ status: 200, payload: { setpointC: -25 } });
    const after = d.run(12 * HOUR, MIN).slice(6 * 60);
    for (const r of after) expect(Math.abs(num(r, 'temperature') - -25)).toBeLessThanOrEqual(1.3);
    const bad = d.command('setSetpoint', { setpointC: 5 });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.payload)).toMatch(/setpointC.*-40 to -5 °C/);
    expect(d.command('setSetpoint', 'cold').status).toBe(400);
    expect(d.command('defrost', {}).status).toBe(404);
  });
});

describe('env-sensor', () => {
  it('battery voltage never rises over 30 days of discharge, and a small battery eventually dies with frozen readings', () => {
    const d = device('env-sensor', { capacityMah: 300 });
    const month = d.run(30 * DAY, 10 * MIN);
    for (let i = 1; i < month.length; i++) {
      expect(num(month[i] as Readings, 'batteryVoltage')).toBeLessThanOrEqual(num(month[i - 1] as Readings, 'batteryVoltage'));
    }
    let last = month[month.length - 1] as Readings;
    for (let i = 0; i < 200 * 144 && last.batteryDead !== true; i++) last = d.sample(10 * MIN);
    expect(last.batteryDead).toBe(true);
    const later = d.run(DAY, 10 * MIN);
    for (const r of later) expect(r).toEqual(last);
    expect(d.command('getDiagnostics', {}).status).toBe(200);
  });
});

describe('asset-tracker', () => {
  it('stays within GPS noise of its route and reports geofence entries and exits', () => {
    const noiseM = 5;
    const route: Array<[number, number]> = [[52.5145, 13.3501], [52.5163, 13.3777], [52.5096, 13.376], [52.508, 13.355]];
    const d = device('asset-tracker', { route, noiseM });
    const readings = d.run(6 * HOUR, 15_000);
    for (const r of readings) {
      const dist = Math.min(...route.map((a, i) => segmentDistanceM([num(r, 'lat'), num(r, 'lon')], a, route[(i + 1) % route.length] as [number, number])));
      expect(dist).toBeLessThan(5 * noiseM);
    }
    const last = readings[readings.length - 1] as Readings;
    expect(num(last, 'geofenceEntries')).toBeGreaterThan(3);
    expect(num(last, 'geofenceExits')).toBeGreaterThan(3);
    expect(readings.some((r) => r.insideGeofence === true) && readings.some((r) => r.insideGeofence === false)).toBe(true);
    expect(Math.max(...readings.map((r) => num(r, 'speedKmh')))).toBeLessThanOrEqual(50);
  });
});

/** Distance from p to segment ab, m, in a local flat frame (fine for a few km). */
function segmentDistanceM(p: [number, number], a: [number, number], b: [number, number]): number {
  const k = Math.cos((a[0] * Math.PI) / 180);
  const [px, py, ax, ay, bx, by] = [p[1] * k, p[0], a[1] * k, a[0], b[1] * k, b[0]];
  const len2 = (bx - ax) ** 2 + (by - ay) ** 2;
  const t = len2 > 0 ? Math.max(0, Math.min(1, ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / len2)) : 0;
  return haversineM(p[0], p[1], ay + t * (by - ay), (ax + t * (bx - ax)) / k);
}

describe('smart-meter', () => {
  for (const profile of ['household', 'building']) {
    it(`${profile}: energyKwh never decreases and equals Σ power·dt within 1 %`, () => {
      const d = device('smart-meter', { profile });
      const readings = d.run(7 * DAY, MIN);
      let sum = 0;
      for (let i = 0; i < readings.length; i++) {
        const r = readings[i] as Readings;
        sum += (num(r, 'powerKw') * MIN) / HOUR;
        if (i > 0) expect(num(r, 'energyKwh')).toBeGreaterThanOrEqual(num(readings[i - 1] as Readings, 'energyKwh'));
        expect(Math.abs(num(r, 'voltage') - 230)).toBeLessThan(23); // EN 50160: 230 V ± 10 %
      }
      const energy = num(readings[readings.length - 1] as Readings, 'energyKwh');
      expect(Math.abs(energy - sum) / energy).toBeLessThan(0.01);
    });
  }

  it('base and peak loads reshape the profile', () => {
    const readings = device('smart-meter', { baseLoadKw: 1, peakLoadKw: 3, appliancesPerHour: 0, voltageNoiseV: 0 }).run(2 * DAY, 10 * MIN);
    const p = readings.map((r) => num(r, 'powerKw'));
    expect(Math.min(...p)).toBeGreaterThanOrEqual(0.999);
    expect(Math.max(...p)).toBeLessThanOrEqual(3.001);
    expect(Math.max(...p)).toBeGreaterThan(2.5);
  });
});

describe('pump-vibration', () => {
  it('the 2× amplitude and the bearing line grow after the wear onset', () => {
    const d = device('pump-vibration', { wearOnsetMinDays: 5, wearOnsetMaxDays: 5, wearGrowthPerDay: 0.2 });
    const readings = d.run(40 * DAY, HOUR);
    const mean = (from: number, to: number, key: string) => {
      const xs = readings.slice(from * 24, to * 24).map((r) => num(r, key));
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    };
    expect(mean(0, 4, 'bearingAmplitude')).toBe(0);
    expect(mean(35, 40, 'amplitude2x')).toBeGreaterThan(2 * mean(0, 4, 'amplitude2x'));
    expect(mean(35, 40, 'bearingAmplitude')).toBeGreaterThan(1);
    expect(mean(35, 40, 'rmsVelocity')).toBeGreaterThan(mean(0, 4, 'rmsVelocity'));
    expect(mean(20, 25, 'amplitude2x')).toBeGreaterThan(mean(6, 10, 'amplitude2x'));
  });
});

describe('soil-probe', () => {
  it('moisture stays between the wilting point and field capacity (plus an irrigation dose) without rain', () => {
    const readings = device('soil-probe', { rainPerDay: 0 }).run(30 * DAY, 15 * MIN);
    for (const r of readings) {
      expect(num(r, 'moisture')).toBeGreaterThanOrEqual(12 - 1.5);
      expect(num(r, 'moisture')).toBeLessThanOrEqual(32 + 10 / 3 + 1.5);
      expect(num(r, 'soilTemperature')).toBeGreaterThan(-5);
      expect(num(r, 'soilTemperature')).toBeLessThan(25);
    }
    const dry = device('soil-probe', { rainPerDay: 0, irrigationHour: -1, etMmPerDay: 6 }).run(30 * DAY, HOUR);
    const last = num(dry[dry.length - 1] as Readings, 'moisture');
    expect(last).toBeLessThan(20);
    expect(Math.min(...dry.map((r) => num(r, 'moisture')))).toBeGreaterThanOrEqual(12 - 1.5);
  });
});

describe('every model', () => {
  for (const m of listModels()) {
    describe(m.name, () => {
      it('params: {} is accepted; a bad value is rejected with a message naming the range/unit', () => {
        expect(m.params.safeParse({}).success).toBe(true);
        const shape = (m.params as unknown as { _zod: { def: { shape?: Record<string, unknown>; in?: { _zod: { def: { shape: Record<string, unknown> } } } } } })._zod.def;
        const keys = Object.keys(shape.shape ?? shape.in?._zod.def.shape ?? {});
        const defaults = m.params.parse({}) as Record<string, unknown>;
        const key = keys.find((k) => typeof defaults[k] === 'number');
        expect(key).toBeDefined();
        const bad = m.params.safeParse({ [key as string]: 1e12 });
        expect(bad.success).toBe(false);
        const message = bad.error?.issues[0]?.message ?? '';
        if (m.name !== 'thermostat') expect(message).toMatch(/expected .*from -?[\d.]+ to -?[\d.]+/);
        expect(message).toMatch(/\d/);
        expect(m.params.safeParse({ [key as string]: 'warm' }).success).toBe(false);
        expect(m.params.safeParse({ noSuchParam: 1 }).success).toBe(false);
      });

      it('every reading key is a declared channel and vice versa; same seed ⇒ same readings', () => {
        const a = device(m.name, {}, 'det').run(6 * HOUR, 5 * MIN);
        const b = device(m.name, {}, 'det').run(6 * HOUR, 5 * MIN);
        const c = device(m.name, {}, 'other').run(6 * HOUR, 5 * MIN);
        expect(b).toEqual(a);
        expect(c).not.toEqual(a);
        for (const r of a) expect(Object.keys(r).sort()).toEqual(Object.keys(m.channels).sort());
      });

      it('unknown command → 404; getDiagnostics → 200 (thermostat excepted)', () => {
        const d = device(m.name);
        d.sample(MIN);
        expect(d.command('selfDestruct', {}).status).toBe(404);
        if (m.name !== 'thermostat') expect(d.command('getDiagnostics', null).status).toBe(200);
      });
    });
  }
});

describe('every model', () => {
  // The runtime keeps readings (store-and-forward buffer) and adds its own fields: read() must not reuse its object.
  it.each(listModels().map((m) => m.name))('%s: read() returns a fresh object each time', (name) => {
    const d = device(name);
    const a = d.sample(MIN);
    const snapshot = JSON.stringify(a);
    const b = d.sample(MIN);
    expect(b).not.toBe(a);
    expect(JSON.stringify(a)).toBe(snapshot);
  });
});
