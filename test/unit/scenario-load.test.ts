import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ScenarioError, loadScenarioFile } from '../../src/scenario/index.js';

const dir = mkdtempSync(join(tmpdir(), 'fleetsim-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function loadError(path: string): Promise<ScenarioError> {
  try {
    await loadScenarioFile(path);
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return err as ScenarioError;
  }
  throw new Error(`${path} loaded`);
}

describe('loadScenarioFile', () => {
  it('says when the file does not exist, with a hint', async () => {
    const path = join(dir, 'nope.yaml');
    const err = await loadError(path);
    expect(err.message).toBe(`cannot read scenario file ${path}: no such file`);
    expect(err.code).toBe('FLEETSIM_E_SCENARIO');
    expect(err.hint).toMatch(/^check the path/);
    expect(err.diagnostics).toEqual([expect.objectContaining({ file: path, message: 'cannot read the scenario: no such file' })]);
  });

  it('says when the path is a folder', async () => {
    expect((await loadError(dir)).message).toBe(`cannot read scenario file ${dir}: it is a folder, not a file`);
  });

  it('names the file in every diagnostic', async () => {
    const path = join(dir, 'bad.yaml');
    writeFileSync(path, 'version: 1\nfleets: []\nphases: []\n');
    const err = await loadError(path);
    expect(err.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}`)).toEqual([`${path}:2:9`, `${path}:3:9`]);
  });

  it('loads the shipped example scenarios', async () => {
    for (const name of ['quickstart', 'smoke']) {
      const plan = await loadScenarioFile(`scenarios/${name}.yaml`);
      expect(plan.name).toBe(name);
      expect(plan.target).toEqual({ kind: 'embedded' });
    }
  });

  it('quickstart: about a thousand thermostats, under 50 seconds, ending in a drain', async () => {
    const plan = await loadScenarioFile('scenarios/quickstart.yaml');
    expect(plan.totalDevices).toBeGreaterThanOrEqual(1000);
    expect(plan.totalDurationMs).toBeLessThan(50_000);
    expect(plan.phases.map((p) => p.kind)).toEqual(['connect', 'steady', 'spike', 'disconnect-storm', 'steady', 'drain']);
    expect(plan.thresholds.map((t) => t.key)).toContain('delivery.lost');
  });

  it('smoke: 20 devices in about 5 seconds', async () => {
    const plan = await loadScenarioFile('scenarios/smoke.yaml');
    expect(plan.totalDevices).toBe(20);
    expect(plan.totalDurationMs).toBeLessThanOrEqual(6000);
  });
});
