import { describe, expect, it } from 'vitest';
import { fleetsim } from '../support/cli.js';

describe('fleetsim models --blocks (built, spawned)', () => {
  it('lists every block kind with inputs, params (defaults, units) and outputs (units)', async () => {
    const r = await fleetsim(['models', '--blocks']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    for (const kind of ['thermal', 'humidity', 'pressure', 'vibration', 'gps', 'battery', 'meter', 'co2', 'soil', 'constant', 'daily', 'random-walk']) {
      expect(r.stdout).toMatch(new RegExp(`^${kind}  `, 'm'));
    }
    expect(r.stdout).toMatch(/^ {2}setpointC +number +21 +controller setpoint, °C \(-100–200\)$/m);
    expect(r.stdout).toMatch(/^ {2}temperature +number \(°C\) -80–100 or "block\.output" +the targetAtC param/m);
    expect(r.stdout).toMatch(/^ {2}voltageV +V +terminal voltage/m);
    expect(r.stdout).toMatch(/^ {2}actuatorOn +flag +/m);
  });

  it('one kind, as JSON', async () => {
    const r = await fleetsim(['models', 'battery', '--blocks', '--json']);
    expect(r.code).toBe(0);
    const docs = JSON.parse(r.stdout) as { kind: string; inputs: { name: string }[]; params: { name: string; default: string }[]; outputs: { name: string; unit: string }[] }[];
    expect(docs.map((d) => d.kind)).toEqual(['battery']);
    expect(docs[0]?.inputs.map((i) => i.name)).toEqual(['temperature', 'currentMa', 'dutyCycle']);
    expect(docs[0]?.params.find((p) => p.name === 'capacityMah')?.default).toBe('2600');
    expect(docs[0]?.outputs.find((o) => o.name === 'voltageV')?.unit).toBe('V');
  });

  it('an unknown kind exits 2 and lists the known ones', async () => {
    const r = await fleetsim(['models', 'thermel', '--blocks']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown block kind "thermel"; known kinds: thermal, humidity/);
    expect(r.stdout).toBe('');
  });
});
