import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type VirtualOutcome, runVirtual } from '../../src/engine/virtual-run.js';
import { compileScenarioText } from '../../src/scenario/index.js';
import type { RunPlan } from '../../src/scenario/plan.js';
import { compromisedDevices } from '../../src/worker/secure-os-draws.js';

/** 200 secure-OS devices (2 % of each compromise kind), 10 ordinary ones, 2 days with watchdog resets. */
const scenario = (o: { secure: boolean; require?: 'refuse' | 'quarantine' }) => `
version: 1
seed: 11
firmware:
  - { name: app, version: "2.2.0", svn: 2, revoked: true }
  - { name: app, version: "2.3.0", svn: 3 }
fleets:
  - id: sphere
    model: thermostat
    count: 200
    idPattern: "sphere-{index:03}"
    telemetry: { every: 30m }
    transport: { dialect: iothub }
    mcu: { watchdogResetsPerDay: 1 }
${o.secure ? '    secureOs: { firmware: "2.3.0", attestation: 12h, compromise: { tampered: 2%, debug: 2%, rollback: 2%, cloned: 2% } }' : ''}
  - { id: plain, model: thermostat, count: 10, telemetry: { every: 30m } }
phases:
  - { kind: connect, rate: 20/s }
  - { kind: steady, duration: 2d }
${o.secure ? `hub:\n  attestation: { require: ${o.require ?? 'refuse'} }` : ''}
`;

const planOf = (o: { secure: boolean; require?: 'refuse' | 'quarantine' }): RunPlan => compileScenarioText(scenario(o), 'virtual-secure.yaml', { clock: 'virtual' });

async function run(plan: RunPlan, workers: number): Promise<{ text: string; out: VirtualOutcome }> {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  const out = await runVirtual(plan, { workers, sink: { kind: 'stream', stream, name: 'memory' } });
  return { text: Buffer.concat(chunks).toString('utf8'), out };
}

const idsOf = (text: string): Set<string> => new Set(text.split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { deviceId: string }).deviceId));

describe('secure-OS fleets in virtual time', () => {
  it('shut out every compromised device with its reason, the same at 1 and 2 workers, and emit nothing for them', async () => {
    const plan = planOf({ secure: true });
    const one = await run(plan, 1);
    const two = await run(plan, 2);
    expect(two.text).toBe(one.text);
    expect(two.out.secureOs?.report).toEqual(one.out.secureOs?.report);

    const fleet = plan.fleets[0];
    if (fleet?.secureOs === undefined) throw new Error('no secure fleet');
    const compromised = compromisedDevices(plan.seed, fleet, fleet.secureOs.compromise);
    expect(compromised.size).toBe(16);
    const seen = idsOf(one.text);
    for (const i of compromised.keys()) expect(seen.has(`sphere-${String(i).padStart(3, '0')}`)).toBe(false);
    expect(seen.size).toBe(200 - 16 + 10); // every genuine and every ordinary device sends

    const report = one.out.secureOs?.report;
    expect(report?.compromise).toMatchObject({
      tampered: { injected: 4, refused: 4, admitted: 0, unattested: 0, byReason: { MEASUREMENT_UNKNOWN: 4 } },
      debug: { injected: 4, refused: 4, admitted: 0, byReason: { DEBUG_MODE: 4 } },
      rollback: { injected: 4, refused: 4, admitted: 0, byReason: { SVN_REVOKED: 4 } },
      cloned: { injected: 4, refused: 4, admitted: 0, byReason: { CHAIN_INVALID: 4 } },
    });
    // Genuine devices attest at each boot and every 12 h of model time: at least at 0, 12, 24 and 36 h.
    const a = report?.attestations;
    expect(a?.ok).toBeGreaterThanOrEqual(184 * 4);
    expect(a?.failed).toBe(0);
    expect(a?.quarantined).toBe(0);
    // Compromised devices try at each boot and on the period too, and are refused every time.
    expect(a?.refused).toBeGreaterThanOrEqual(16 * 4);
    expect(report?.credentials).toEqual({ issued: a?.ok, expired: 0 });
    // Watchdog resets (1 a day) mean more boots than devices; each boot is followed by an attestation.
    const cpu = one.out.secureOs?.cpu;
    expect(cpu?.boots).toBeGreaterThan(200);
    expect(cpu?.attestations).toBe((a?.ok ?? 0) + (a?.refused ?? 0));
    expect(cpu?.attestMs).toBeGreaterThan(0);
  });

  it('genuine devices send exactly what the same devices send without secure OS', async () => {
    const plan = planOf({ secure: true });
    const secure = await run(plan, 2);
    const plain = await run(planOf({ secure: false }), 2);
    expect(plain.out.secureOs).toBeUndefined();
    const fleet = plan.fleets[0];
    if (fleet?.secureOs === undefined) throw new Error('no secure fleet');
    const compromised = new Set([...compromisedDevices(plan.seed, fleet, fleet.secureOs.compromise).keys()].map((i) => `sphere-${String(i).padStart(3, '0')}`));
    const expected = plain.text
      .split('\n')
      .filter((l) => l === '' || !compromised.has((JSON.parse(l) as { deviceId: string }).deviceId))
      .join('\n');
    expect(secure.text.length).toBeGreaterThan(0);
    expect(secure.text).toBe(expected);
  });

  it('under quarantine, compromised devices get update-only credentials and still send nothing', async () => {
    const { text, out } = await run(planOf({ secure: true, require: 'quarantine' }), 2);
    const report = out.secureOs?.report;
    expect(report?.attestations.refused).toBe(0);
    expect(report?.attestations.quarantined).toBeGreaterThanOrEqual(16 * 4);
    expect(report?.credentials.issued).toBe((report?.attestations.ok ?? 0) + (report?.attestations.quarantined ?? 0));
    for (const c of Object.values(report?.compromise ?? {})) expect(c).toMatchObject({ injected: 4, quarantined: 4, refused: 0, admitted: 0 });
    expect(idsOf(text).size).toBe(200 - 16 + 10);
  });
});
