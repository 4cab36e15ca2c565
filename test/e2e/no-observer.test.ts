/**
 * `fleetsim run --no-observer`: the devices run and are counted as usual, no subscriber measures delivery, and the
 * report says so instead of printing a loss of zero it never measured.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fleetsim } from '../support/cli.js';

describe('fleetsim run --no-observer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleetsim-no-observer-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the devices, measures no delivery, and says so', { timeout: 60_000 }, async () => {
    const scenario = join(dir, 'plain.yaml');
    writeFileSync(
      scenario,
      `version: 1
name: plain
fleets:
  - { id: a, model: thermostat, count: 50, transport: { qos: 1 }, telemetry: { every: 500ms } }
phases:
  - { kind: connect, rate: 500/s }
  - { kind: steady, duration: 2s }
  - { kind: drain, timeout: 2s }
`,
    );
    const out = join(dir, 'out');
    const run = await fleetsim(['run', scenario, '--no-observer', '--out', out, '--no-color']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('no observer (--no-observer)');
    expect(run.stdout).toMatch(/delivery\s+not measured/);
    const file = readdirSync(out).find((f) => f.endsWith('.json')) as string;
    const result = JSON.parse(readFileSync(join(out, file), 'utf8')) as { summary: { total: { counters: Record<string, number>; rates: Record<string, number | null> } } };
    const c = result.summary.total.counters;
    expect(c['connect.ok']).toBe(50);
    expect(c['telemetry.acked']).toBeGreaterThanOrEqual(100);
    expect(c['telemetry.acked']).toBe(c['telemetry.sent']);
    expect(c['delivery.received'] ?? 0).toBe(0);
    expect(result.summary.total.rates['delivery.success']).toBeNull();
  });
});
