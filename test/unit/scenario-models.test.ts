import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import { loadModel } from '../../src/devices/model-ref.js';
import { ScenarioError, compileScenarioText, loadScenarioFile } from '../../src/scenario/index.js';

const dir = mkdtempSync(join(tmpdir(), 'fleetsim-models-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const MODELS = resolve('scenarios/models');
const FIXTURES = resolve('test/fixtures/models');

function scenario(fleets: string, models = ''): string {
  return `version: 1\n${models}fleets:\n${fleets}\nphases:\n  - { kind: connect, rate: 10/s }\n`;
}

async function load(text: string): Promise<ReturnType<typeof loadScenarioFile>> {
  const path = join(dir, `s${Math.floor(performance.now() * 1000)}.yaml`);
  writeFileSync(path, text);
  return loadScenarioFile(path);
}

async function problems(text: string): Promise<string[]> {
  try {
    await load(text);
  } catch (err) {
    if (!(err instanceof ScenarioError)) throw err;
    return err.diagnostics.map((d) => `${d.file.replace(/^.*[\\/]/, '')}:${d.line}:${d.col}  ${d.path === '' ? '' : `${d.path}: `}${d.message}`);
  }
  throw new Error('compiled without problems');
}

describe('models composed in the scenario (models:)', () => {
  const models = `models:
  mast:
    blocks:
      air: { kind: daily, unit: °C, params: { mean: 10, amplitude: 5, peakHour: 15 } }
    channels:
      temperature: { from: air.value, decimals: 1 }
`;

  it('a fleet uses it by name; the plan carries its definition to the workers', async () => {
    const plan = compileScenarioText(scenario('  - { id: m, model: mast, count: 2 }', models), 'm.yaml');
    expect(plan.fleets[0]?.model).toBe('mast');
    expect(plan.fleets[0]?.modelRef).toMatchObject({ kind: 'composed', name: 'mast' });
    const model = await loadModel(structuredClone(plan.fleets[0]!.modelRef));
    const state = model.init({ deviceId: 'm-0', fleetId: 'm', index: 0, params: plan.fleets[0]!.params, rng: createRng('x') });
    expect(Object.keys(model.read(model.step(state, Date.UTC(2026, 0, 1, 15), 60_000, createRng('y'))))).toEqual(['temperature']);
  });

  it('its problems point into models:, and fleets using it are not reported twice', () => {
    expect(() =>
      compileScenarioText(scenario('  - { id: m, model: mast, count: 2 }', 'models:\n  mast:\n    blocks: { air: { kind: dayly } }\n    channels: { t: { from: air.value } }\n'), 'm.yaml'),
    ).toThrow(ScenarioError);
    try {
      compileScenarioText(scenario('  - { id: m, model: mast, count: 2 }', 'models:\n  mast:\n    blocks: { air: { kind: dayly } }\n    channels: { t: { from: air.value } }\n'), 'm.yaml');
    } catch (err) {
      const d = (err as ScenarioError).diagnostics;
      expect(d.every((x) => x.path.startsWith('models.mast'))).toBe(true);
      expect(d.map((x) => x.message).join('\n')).toMatch(/did you mean "daily"/);
    }
  });

  it('may not take a built-in name', async () => {
    expect(await problems(scenario('  - { id: m, model: thermostat, count: 2 }', 'models:\n  thermostat: { blocks: { a: { kind: constant } }, channels: { v: { from: a.value } } }\n'))).toEqual([
      expect.stringMatching(/^s\d+\.yaml:3:3 {2}models\.thermostat: "thermostat" is a built-in model; give yours another name$/),
    ]);
  });

  it('an unknown model lists built-ins and the scenario’s own models', async () => {
    const p = await problems(scenario('  - { id: m, model: masts, count: 2 }', models));
    expect(p).toEqual([expect.stringContaining('fleets[0].model: unknown model "masts"; did you mean "mast"?')]);
  });
});

describe('models from files', () => {
  it('a *.model.yaml file, relative to the scenario, with fleet overrides of block params', async () => {
    const plan = await load(scenario(`  - { id: g, model: ${MODELS}/greenhouse.model.yaml, count: 3, params: { air: { setpointC: 18 } } }`));
    expect(plan.fleets[0]?.model).toBe('greenhouse-probe');
    expect(plan.fleets[0]?.modelRef.kind).toBe('composed');
  });

  it("a model file's problems are reported at the model file's own lines", async () => {
    const p = await problems(scenario(`  - { id: b, model: ${FIXTURES}/broken.model.yaml, count: 1 }`));
    expect(p).toContainEqual(expect.stringMatching(/^broken\.model\.yaml:4:15 {2}blocks\.rh\.kind: .*"humidty".*did you mean "humidity"/));
    expect(p).toContainEqual(expect.stringMatching(/^broken\.model\.yaml:6:.*channels\.temperature\.from: .*temperatur/));
    expect(p).toContainEqual(expect.stringMatching(/^s\d+\.yaml:3:21 {2}fleets\[0\]\.model: the model file .*broken\.model\.yaml has problems/));
  });

  it('a TypeScript model module, compiled on the fly, with its own params and channels', async () => {
    const plan = await load(scenario(`  - { id: pv, model: ${MODELS}/solar-panel.ts, count: 2, params: { peakKw: 3 } }`));
    expect(plan.fleets[0]?.model).toBe('solar-panel');
    expect(plan.fleets[0]?.modelRef).toMatchObject({ kind: 'module', path: `${MODELS}/solar-panel.ts` });
    expect(plan.fleets[0]?.params).toEqual({ peakKw: 3, latitude: 48, cloudiness: 0.3 });
    const bad = await problems(scenario(`  - { id: pv, model: ${MODELS}/solar-panel.ts, count: 2, params: { peakKw: -1 } }`));
    expect(bad).toEqual([expect.stringContaining('fleets[0].params.peakKw: solar-panel (fleet pv) expects a number at least 0.1; found -1')]);
  });

  it('a module that is missing, broken or exports no model: one clear line each', async () => {
    expect(await problems(scenario('  - { id: x, model: ./nope.ts, count: 1 }'))).toEqual([expect.stringContaining('fleets[0].model: model file not found: ')]);
    expect(await problems(scenario(`  - { id: x, model: ${FIXTURES}/no-export.ts, count: 1 }`))).toEqual([
      expect.stringMatching(/cannot load the model module .*no-export\.ts: it exports no device model: export a DeviceModel/),
    ]);
    expect(await problems(scenario(`  - { id: x, model: ${FIXTURES}/syntax-error.ts, count: 1 }`))).toEqual([
      expect.stringMatching(/cannot load the model module .*syntax-error\.ts: /),
    ]);
    expect(await problems(scenario('  - { id: x, model: ./model.json, count: 1 }'))).toEqual([expect.stringContaining('model file not found')]);
  });
});
