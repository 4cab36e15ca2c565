import { describe, expect, it } from 'vitest';
import { fleetsim as runCli } from '../support/cli.js';

describe('fleetsim with models from files', () => {
  it('models <path.ts>: the module model with its params and channels', async () => {
    const r = await runCli(['models', 'scenarios/models/solar-panel.ts', '--no-color']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^solar-panel {2}rooftop PV inverter/);
    expect(r.stdout).toMatch(/peakKw +number +5 +rated peak power, kW/);
  });

  it('validate <model file>: the model on its own', async () => {
    const r = await runCli(['validate', 'scenarios/models/greenhouse.model.yaml', '--no-color']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/is a valid model: greenhouse-probe, channels temperature, humidity/);
    expect((await runCli(['validate', 'test/fixtures/models/broken.model.yaml'])).code).toBe(2);
  });

  it('preview <path.model.yaml> with a dotted --set for a block param', async () => {
    const r = await runCli(['preview', 'scenarios/models/greenhouse.model.yaml', '--devices', '1', '--duration', '1h', '--every', '10m', '--set', 'air.setpointC=30', '-q']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(6);
    expect(lines.every((l) => l.heating === true)).toBe(true); // 30 °C: the heater runs the whole hour
  });

  it('a broken model file: every problem at its own line, exit 2; a missing module: one line, exit 2', async () => {
    const broken = await runCli(['preview', 'test/fixtures/models/broken.model.yaml', '--no-color']);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/^error: invalid model file test\/fixtures\/models\/broken\.model\.yaml: 2 problems/);
    expect(broken.stderr).toMatch(/broken\.model\.yaml:4:15 {2}blocks\.rh\.kind: .*did you mean "humidity"\?/);
    const missing = await runCli(['models', 'nope.ts', '--no-color']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: model file not found: nope\.ts/);
  });
});
