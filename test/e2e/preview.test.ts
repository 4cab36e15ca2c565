import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fleetsim } from '../support/cli.js';

describe('fleetsim preview, models and virtual runs (built CLI)', () => {
  it('preview writes a day of telemetry and an SVG chart of every channel', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleetsim-preview-'));
    const r = await fleetsim([
      'preview', 'thermostat', '--devices', '2', '--duration', '24h', '--set', 'setpoint=18',
      '--out', join(dir, 't.csv'), '--plot', join(dir, 't.svg'),
    ]);
    expect(r.code).toBe(0);
    const csv = readFileSync(join(dir, 't.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('deviceId,seq,time,ts,temperature,humidity,setpoint');
    expect(csv).toHaveLength(1 + 2 * 1440);
    expect(csv[1]).toMatch(/,18$/); // the --set parameter reached the model
    const svg = readFileSync(join(dir, 't.svg'), 'utf8');
    expect(svg.startsWith('<svg') || svg.startsWith('<?xml')).toBe(true);
    for (const channel of ['temperature', 'humidity', 'setpoint']) expect(svg).toContain(channel);
  });

  it('preview: an unknown model lists the known ones; a bad parameter names it and its range', async () => {
    const unknown = await fleetsim(['preview', 'toaster']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('known models: air-quality, asset-tracker, cold-chain-freezer');
    expect(unknown.stderr).toContain('thermostat');
    const bad = await fleetsim(['preview', 'thermostat', '--set', 'setpoint=99']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/setpoint/);
    expect(bad.stderr).toMatch(/35/);
  });

  it('models lists parameters with defaults and units, and channels', async () => {
    const r = await fleetsim(['models']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/thermostat/);
    expect(r.stdout).toMatch(/setpoint\s+number\s+21\s+target temperature, °C/);
    expect(r.stdout).toMatch(/temperature\s+°C/);
  });

  it('run --clock virtual --sink stdout streams NDJSON on stdout and reports on stderr', async () => {
    const r = await fleetsim(['run', 'scenarios/smoke.yaml', '--clock', 'virtual', '--sink', 'stdout']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(10);
    expect(JSON.parse(lines[0] as string)).toHaveProperty('deviceId');
    expect(r.stderr).toMatch(/samples\/s/);
  });

  it('an unwritable sink is a usage error (exit 2), and a usage error runs nothing', async () => {
    const bad = await fleetsim(['run', 'scenarios/smoke.yaml', '--clock', 'virtual', '--sink', '/nonexistent/dir/t.ndjson']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--sink: cannot write/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    const stray = await fleetsim(['run', 'scenarios/smoke.yaml', 'extra-argument']);
    expect(stray.code).toBe(2);
    expect(stray.stderr).not.toMatch(/fleetsim smoke:/); // the run never started
  });
});
