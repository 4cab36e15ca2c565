/**
 * Golden readings: every built-in model, seeded createRng('golden', name, 0), default params, stepped every 60 s of
 * model time from 2026-01-01T00:00Z; the first 30 readings must equal test/fixtures/golden/<model>.json.
 * After an intended change of behaviour: UPDATE_GOLDEN=1 npx vitest run test/unit/models-golden.test.ts
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import type { AnyDeviceModel, Readings } from '../../src/devices/model.js';
import { listModels } from '../../src/devices/registry.js';

const T0 = Date.UTC(2026, 0, 1);
const STEP_MS = 60_000;
const N = 30;
const DIR = 'test/fixtures/golden';
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const HOW = 'if the change is intended, regenerate with: UPDATE_GOLDEN=1 npx vitest run test/unit/models-golden.test.ts';

function goldenRun(model: AnyDeviceModel): Readings[] {
  const rng = createRng('golden', model.name, 0);
  const state: unknown = model.init({ deviceId: `golden-${model.name}-0`, fleetId: 'golden', index: 0, params: model.params.parse({}), rng });
  const out: Readings[] = [];
  let s = state;
  for (let i = 1; i <= N; i++) {
    s = model.step(s, T0 + i * STEP_MS, STEP_MS, rng);
    out.push({ ...model.read(s) });
  }
  return out;
}

describe('golden readings', () => {
  for (const model of listModels()) {
    it(model.name, () => {
      const file = `${DIR}/${model.name}.json`;
      const readings = goldenRun(model);
      if (UPDATE) {
        mkdirSync(DIR, { recursive: true });
        writeFileSync(file, `[\n${readings.map((r) => `  ${JSON.stringify(r)}`).join(',\n')}\n]\n`); // one reading a line
        return;
      }
      if (!existsSync(file)) expect.fail(`${file} is missing; ${HOW}`);
      const expected = JSON.parse(readFileSync(file, 'utf8')) as Readings[];
      for (let i = 0; i < N; i++) {
        const want = JSON.stringify(expected[i]);
        const got = JSON.stringify(readings[i]);
        if (want !== got) expect.fail(`${model.name}: reading ${i + 1} (model time +${i + 1} min) differs from ${file}\n  expected ${want}\n  got      ${got}\n${HOW}`);
      }
      expect(readings.length).toBe(expected.length);
    });
  }
});
