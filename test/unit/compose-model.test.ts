/** Composed models: the brief's greenhouse example, every block kind, fleet overrides, determinism and a golden run. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import { composeModel, composedModelSchema, describeBlocks, modelFileSchema } from '../../src/devices/compose/index.js';
import type { AnyDeviceModel, Readings } from '../../src/devices/model.js';
import { DEFAULTS as THERMAL } from '../../src/devices/physics/thermal.js';
import { DEFAULTS as SOIL } from '../../src/devices/physics/soil.js';
import { parseYaml } from '../../src/scenario/yaml.js';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;

const EXAMPLE = `
description: greenhouse probe on a battery
blocks:
  air:     { kind: thermal, params: { tauMinutes: 60, ambientMeanC: 14, setpointC: 20 } }
  rh:      { kind: humidity, temperature: air.temperatureC, params: { targetRhPercent: 75 } }
  soil:    { kind: soil }
  battery: { kind: battery, params: { capacityMah: 2600 }, temperature: air.temperatureC, dutyCycle: { activeMs: 1500, activeMa: 25, sleepUa: 8 } }
  light:   { kind: daily, params: { mean: 300, amplitude: 300, peakHour: 13 } }
channels:
  temperature: { from: air.temperatureC, decimals: 2, sensor: { noiseSd: 0.05 } }
  humidity:    { from: rh.rhPercent, decimals: 1 }
  heating:     { from: air.actuatorOn }
  batteryVoltage: { from: battery.voltageV, decimals: 2 }
dead: battery
`;

function yamlData(text: string): unknown {
  const y = parseYaml(text);
  expect(y.problems).toEqual([]);
  return y.data;
}

function compose(def: unknown, name = 'composed'): AnyDeviceModel {
  return composeModel(name, composedModelSchema.parse(def));
}

/** A device of `model` seeded by `seed`, sampled every `everyMs` of model time from T0. */
function run(model: AnyDeviceModel, n: number, everyMs = MIN, seed: string | number = 0, params: unknown = {}): Readings[] {
  const rng = createRng('compose-test', seed);
  let s: unknown = model.init({ deviceId: 'd0', fleetId: 'f', index: 0, params: model.params.parse(params), rng });
  const out: Readings[] = [];
  for (let i = 1; i <= n; i++) {
    s = model.step(s, T0 + i * everyMs, everyMs, rng);
    out.push(model.read(s));
  }
  return out;
}

const nums = (rs: Readings[], key: string): number[] => rs.map((r) => r[key]).filter((v): v is number => typeof v === 'number');

describe('the greenhouse example', () => {
  const model = compose(yamlData(EXAMPLE), 'greenhouse');

  it('composes: description, channels in order with units from the block outputs, no params', () => {
    expect(model.name).toBe('greenhouse');
    expect(model.description).toBe('greenhouse probe on a battery');
    expect(Object.keys(model.channels)).toEqual(['temperature', 'humidity', 'heating', 'batteryVoltage']);
    expect(model.channels.temperature?.unit).toBe('°C');
    expect(model.channels.humidity?.unit).toBe('%RH');
    expect(model.channels.heating?.unit).toBe('flag');
    expect(model.channels.batteryVoltage?.unit).toBe('V');
    expect(model.channels.humidity?.description).toMatch(/relative humidity/);
    expect(typeof model.dead).toBe('function');
  });

  it('reads sane values: °C near the setpoint, RH 0–100 with one decimal, heating a boolean', () => {
    const rs = run(model, 2 * 24 * 60);
    for (const r of rs) {
      expect(Object.keys(r)).toEqual(['temperature', 'humidity', 'heating', 'batteryVoltage']);
      expect(typeof r.heating).toBe('boolean');
      expect(r.humidity).toBeGreaterThanOrEqual(0);
      expect(r.humidity).toBeLessThanOrEqual(100);
      expect(Math.round((r.humidity as number) * 10)).toBeCloseTo((r.humidity as number) * 10, 6);
      expect(r.temperature).toBeGreaterThan(17);
      expect(r.temperature).toBeLessThan(23);
    }
    expect(rs.some((r) => r.heating === true)).toBe(true);
    expect(rs.some((r) => r.heating === false)).toBe(true);
  });

  it('is deterministic: the same seed gives identical readings, another seed different ones', () => {
    const a = run(model, 600, MIN, 7);
    const b = run(compose(yamlData(EXAMPLE), 'greenhouse'), 600, MIN, 7);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(JSON.stringify(run(model, 600, MIN, 8))).not.toBe(JSON.stringify(a));
  });

  it('read() returns a fresh object each time', () => {
    const rng = createRng('fresh');
    const s = model.init({ deviceId: 'd', fleetId: 'f', index: 0, params: model.params.parse({}), rng });
    const a = model.read(s);
    const snapshot = JSON.stringify(a);
    model.step(s, T0 + MIN, MIN, rng);
    expect(model.read(s)).not.toBe(a);
    expect(JSON.stringify(a)).toBe(snapshot);
  });

  it('battery voltage never rises while it drains (30 days, 10-minute steps)', () => {
    const v = nums(run(model, 30 * 24 * 6, 10 * MIN), 'batteryVoltage');
    expect(v.length).toBe(30 * 24 * 6);
    for (let i = 1; i < v.length; i++) expect(v[i]).toBeLessThanOrEqual(v[i - 1] as number);
    expect(v[v.length - 1]).toBeLessThan(v[0] as number);
  });

  it('a step of 0 ms changes nothing', () => {
    const rng = createRng('zero');
    const s = model.init({ deviceId: 'd', fleetId: 'f', index: 0, params: model.params.parse({}), rng });
    const before = JSON.stringify(model.read(s));
    model.step(s, T0, 0, rng);
    expect(JSON.stringify(model.read(s))).toBe(before);
  });
});

describe('thermal block', () => {
  it('converges from a cold start toward the setpoint band and then cycles the heater', () => {
    // A cold greenhouse heated to 20 °C: the band is 19.5–20.5; doors off so the band is exact.
    const model = compose({
      blocks: { air: { kind: 'thermal', params: { tauMinutes: 120, ambientMeanC: 5, setpointC: 20, doorRatePerHour: 0, actuatorTauMinutes: 30 } } },
      channels: { t: { from: 'air.temperatureC', decimals: 3 }, on: { from: 'air.actuatorOn' } },
    });
    const rs = run(model, 24 * 60);
    const t = nums(rs, 't');
    const settled = t.slice(60);
    for (const x of settled) {
      expect(x).toBeGreaterThan(19.5 - 0.05);
      expect(x).toBeLessThan(20.5 + 0.05);
    }
    expect(rs.filter((r) => r.on === true).length).toBeGreaterThan(0);
    expect(rs.filter((r) => r.on === false).length).toBeGreaterThan(0);
  });
});

describe('dead battery', () => {
  const def = {
    blocks: {
      air: { kind: 'constant', unit: '°C', params: { value: 20 } },
      bat: { kind: 'battery', temperature: 'air.value', currentMa: 60, params: { capacityMah: 5, selfDischargePercentPerMonth: 0 } },
      walk: { kind: 'random-walk', params: { mean: 10, sd: 2, tauMinutes: 30 } },
    },
    channels: { v: { from: 'bat.voltageV', decimals: 3 }, walk: { from: 'walk.value', decimals: 3 }, dead: { from: 'bat.dead' } },
  };

  it('stops the device: dead() turns true, step() changes nothing after, the last readings stand', () => {
    const model = compose({ ...def, dead: 'bat' });
    const rng = createRng('dead');
    let s: unknown = model.init({ deviceId: 'd', fleetId: 'f', index: 0, params: model.params.parse({}), rng });
    expect(model.dead?.(s)).toBe(false);
    let i = 0;
    while (model.dead?.(s) !== true && i < 100) s = model.step(s, T0 + ++i * MIN, MIN, rng);
    expect(i).toBeGreaterThan(2); // 5 mAh at 60 mA lasts about 5 minutes
    expect(i).toBeLessThan(10);
    const last = JSON.stringify(model.read(s));
    expect(JSON.parse(last).dead).toBe(false); // browned out before measuring: the reading before death stands
    for (let k = 1; k <= 10; k++) s = model.step(s, T0 + (i + k) * MIN, MIN, rng);
    expect(JSON.stringify(model.read(s))).toBe(last);
    expect(model.dead?.(s)).toBe(true);
  });

  it('without dead: the model has no dead hook and keeps reporting', () => {
    const model = compose(def);
    expect(model.dead).toBeUndefined();
    const rs = run(model, 20);
    expect(rs[rs.length - 1]?.dead).toBe(true);
    expect(new Set(rs.map((r) => r.walk)).size).toBeGreaterThan(10);
  });
});

describe('every block kind', () => {
  for (const doc of describeBlocks()) {
    it(`${doc.kind}: composes with default params, one channel per output, a week of readings, finite numbers`, () => {
      const inputs = doc.inputs.some((i) => i.name === 'temperature') ? { temperature: 'src.value' } : {};
      const def = {
        blocks: { src: { kind: 'daily', unit: '°C', params: { mean: 10, amplitude: 8, peakHour: 14 } }, b: { kind: doc.kind, ...inputs } },
        channels: Object.fromEntries(doc.outputs.map((o) => [o.name, { from: `b.${o.name}`, ...(o.type === 'number' ? { decimals: 4 } : {}) }])),
      };
      const model = compose(def);
      const rs = run(model, 7 * 24 * 4, 15 * MIN);
      for (const r of rs) {
        for (const o of doc.outputs) {
          const v = r[o.name];
          if (o.type === 'boolean') expect(typeof v).toBe('boolean');
          else expect(Number.isFinite(v)).toBe(true);
        }
      }
      // An identical second device: deterministic whatever the block.
      expect(JSON.stringify(run(model, 7 * 24 * 4, 15 * MIN))).toBe(JSON.stringify(rs));
    });
  }

  it('documents each kind: params with their physics defaults, units and ranges; outputs with units', () => {
    const docs = describeBlocks();
    expect(docs.map((d) => d.kind)).toEqual(['thermal', 'humidity', 'pressure', 'vibration', 'gps', 'battery', 'meter', 'co2', 'soil', 'constant', 'daily', 'random-walk']);
    const thermal = docs.find((d) => d.kind === 'thermal');
    expect(thermal?.params.map((p) => p.name)).toEqual(Object.keys(THERMAL));
    expect(thermal?.params.find((p) => p.name === 'setpointC')).toMatchObject({ default: String(THERMAL.setpointC), unit: '°C' });
    expect(thermal?.params.find((p) => p.name === 'setpointC')?.description).toMatch(/°C \(-100–200\)/);
    expect(docs.find((d) => d.kind === 'soil')?.params.map((p) => p.name)).toEqual(Object.keys(SOIL));
    const battery = docs.find((d) => d.kind === 'battery');
    expect(battery?.inputs.map((i) => i.name)).toEqual(['temperature', 'currentMa', 'dutyCycle']);
    expect(battery?.outputs.find((o) => o.name === 'voltageV')?.unit).toBe('V');
    expect(docs.find((d) => d.kind === 'daily')?.outputs[0]?.unit).toBe('(block unit)');
    for (const d of docs) for (const p of d.params) expect(p.description.length).toBeGreaterThan(5);
  });
});

describe('signal blocks', () => {
  it('constant holds, daily peaks at its hour, random-walk wanders around its mean', () => {
    const model = compose({
      blocks: {
        c: { kind: 'constant', unit: 'V', params: { value: 3.3 } },
        d: { kind: 'daily', unit: 'lx', params: { mean: 300, amplitude: 300, peakHour: 13 } },
        w: { kind: 'random-walk', params: { mean: 50, sd: 5, tauMinutes: 60 } },
      },
      channels: { c: { from: 'c.value' }, d: { from: 'd.value', decimals: 0 }, w: { from: 'w.value' } },
    });
    expect(model.channels.d?.unit).toBe('lx');
    const rs = run(model, 10 * 24 * 60);
    expect(new Set(rs.map((r) => r.c))).toEqual(new Set([3.3]));
    expect(rs[13 * 60 - 1]?.d).toBe(600); // reading i is at T0 + (i + 1) min: 13:00
    expect(rs[60 - 1]?.d).toBe(0); // 01:00
    const w = nums(rs, 'w');
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    expect(mean).toBeGreaterThan(46);
    expect(mean).toBeLessThan(54);
    expect(Math.max(...w) - Math.min(...w)).toBeGreaterThan(10);
  });
});

describe('fleet params: overrides of block params', () => {
  const model = compose(yamlData(EXAMPLE));

  it('default: the definition; an override changes one block param', () => {
    const p = model.params.parse({}) as Record<string, Record<string, unknown>>;
    expect(p.air?.setpointC).toBe(20);
    expect(p.air?.tauMinutes).toBe(60);
    expect(p.rh?.targetRhPercent).toBe(75);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const base = mean(nums(run(model, 2 * 24 * 60), 'temperature'));
    const warm = mean(nums(run(model, 2 * 24 * 60, MIN, 0, { air: { setpointC: 23, actuatorTauMinutes: 30 } }), 'temperature'));
    expect(Math.abs(base - 20)).toBeLessThan(0.5);
    expect(Math.abs(warm - 23)).toBeLessThan(0.5);
  });

  it('rejects unknown blocks, unknown params and out-of-range values with paths and units', () => {
    const r = model.params.safeParse({ air: { setpointC: 500, tau: 1 }, roof: {} });
    expect(r.success).toBe(false);
    const issues = r.success ? [] : r.error.issues.map((i) => ({ path: i.path, message: i.message }));
    expect(issues).toContainEqual({ path: ['air', 'setpointC'], message: 'expected a number from -100 to 200 °C; found 500' });
    expect(issues.some((i) => i.path.join('.') === 'air' && /tau/.test(i.message))).toBe(true);
    expect(issues.some((i) => i.path.length === 0 && /roof/.test(i.message))).toBe(true);
  });
});

describe('the example file scenarios/models/greenhouse.model.yaml', () => {
  it('parses as a model file and composes', () => {
    const file = modelFileSchema.parse(yamlData(readFileSync('scenarios/models/greenhouse.model.yaml', 'utf8')));
    expect(file.name).toBe('greenhouse-probe');
    const model = composeModel(file.name, file);
    expect(Object.keys(model.channels)).toEqual(['temperature', 'humidity', 'moisture', 'light', 'heating', 'batteryVoltage']);
    expect(model.channels.light?.unit).toBe('lx');
    const rs = run(model, 24 * 60);
    expect(rs.every((r) => typeof r.moisture === 'number' && r.moisture > 5 && r.moisture < 50)).toBe(true);
  });
});

/**
 * Golden readings of the example: seeded createRng('golden', 'compose', 0), stepped every 60 s from 2026-01-01T00:00Z.
 * A change here means composed models (or the physics under them) changed behaviour; update the lines if intended.
 */
describe('golden readings', () => {
  it('the example, readings 1, 2, 10 and 30', () => {
    const model = compose(yamlData(EXAMPLE), 'greenhouse');
    const rng = createRng('golden', 'compose', 0);
    let s: unknown = model.init({ deviceId: 'golden-0', fleetId: 'golden', index: 0, params: model.params.parse({}), rng });
    const got: string[] = [];
    for (let i = 1; i <= 30; i++) {
      s = model.step(s, T0 + i * MIN, MIN, rng);
      got.push(JSON.stringify(model.read(s)));
    }
    expect([got[0], got[1], got[9], got[29]]).toEqual(GOLDEN);
  });
});

const GOLDEN: string[] = [
  '{"temperature":19.99,"humidity":80.7,"heating":false,"batteryVoltage":4.2}',
  '{"temperature":19.84,"humidity":81.5,"heating":false,"batteryVoltage":4.2}',
  '{"temperature":19.87,"humidity":81.6,"heating":true,"batteryVoltage":4.2}',
  '{"temperature":19.62,"humidity":83.3,"heating":true,"batteryVoltage":4.2}',
];
