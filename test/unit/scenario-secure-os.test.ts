import { describe, expect, it } from 'vitest';
import { FleetsimError } from '../../src/core/errors.js';
import { ScenarioError, compileScenarioText, formatDiagnostics } from '../../src/scenario/index.js';
import { parseBandwidth, parseShare } from '../../src/scenario/schema-secure-os.js';
import { cloneSource, compromisedDevices, rolloutTurns } from '../../src/worker/secure-os-draws.js';

const FIRMWARE = `
firmware:
  - { name: app, version: "1.0.0", svn: 1, revoked: true }
  - { name: app, version: "2.3.0", svn: 3, size: 64KiB }
  - { name: app, version: "2.4.0", svn: 4, size: 64KiB }`;

const scenario = (secureOs: string, rollout = '{ kind: firmware-rollout, to: "2.4.0", waves: [1%, 10%, 100%], waveInterval: 5s, duration: 30s }', extra = '') => `
version: 1
seed: 9
${FIRMWARE}
fleets:
  - { id: s, model: thermostat, count: 200, transport: { dialect: iothub }, secureOs: ${secureOs} }
  - { id: plain, model: thermostat, count: 10 }
phases:
  - { kind: connect, rate: 100/s }
  - ${rollout}
${extra}`;

function problems(text: string): string {
  try {
    compileScenarioText(text, 'x.yaml');
  } catch (err) {
    if (err instanceof ScenarioError) return formatDiagnostics(err.diagnostics);
    throw err;
  }
  throw new Error('expected problems');
}

describe('secureOs, firmware:, hub.attestation and the firmware-rollout phase', () => {
  it('compile into the plan with defaults', () => {
    const plan = compileScenarioText(scenario('{ firmware: "2.3.0", compromise: { tampered: 1%, cloned: 0.005 } }'), 'x.yaml');
    expect(plan.firmware).toEqual([
      { name: 'app', version: '1.0.0', svn: 1, sizeBytes: 262_144, revoked: true },
      { name: 'app', version: '2.3.0', svn: 3, sizeBytes: 65_536, revoked: false },
      { name: 'app', version: '2.4.0', svn: 4, sizeBytes: 65_536, revoked: false },
    ]);
    expect(plan.fleets[0]?.secureOs).toEqual({
      app: 'app',
      firmware: '2.3.0',
      attestationPeriodMs: 86_400_000,
      credential: 'sas',
      debug: false,
      compromise: { tampered: 0.01, debug: 0, rollback: 0, cloned: 0.005 },
    });
    expect(plan.fleets[1]?.secureOs).toBeUndefined();
    expect(plan.hub.attestation).toEqual({ require: 'refuse', minSvn: 0, allowDebug: false, credentialTtlMs: 86_400_000, nonceTtlMs: 60_000 });
    expect(plan.phases[1]).toMatchObject({
      kind: 'firmware-rollout',
      fleets: ['s'],
      app: 'app',
      to: '2.4.0',
      waves: [0.01, 0.1, 1],
      waveIntervalMs: 5000,
      spreadMs: 1000,
      durationMs: 30_000,
      download: { via: 'mqtt', chunkBytes: 16_384, bytesPerS: 125_000 },
      faults: { powerLoss: 0, corruptDownload: 0, healthCheckFailure: 0 },
      quarantined: 'skip',
    });
    const boot = compileScenarioText(scenario('{ firmware: "2.3.0", attestation: boot }', undefined, 'hub: { attestation: { require: quarantine, minSvn: 3 } }'), 'x.yaml');
    expect(boot.fleets[0]?.secureOs?.attestationPeriodMs).toBeNull();
    expect(boot.hub.attestation).toMatchObject({ require: 'quarantine', minSvn: 3 });
    expect(compileScenarioText(scenario('{ firmware: "2.3.0", attestation: 2m }'), 'x.yaml').fleets[0]?.secureOs?.attestationPeriodMs).toBe(120_000);
  });

  it('parses shares and bandwidths', () => {
    expect(parseShare('2%')).toBe(0.02);
    expect(parseShare(0.3)).toBe(0.3);
    expect(parseBandwidth('1 Mbit/s')).toBe(125_000);
    expect(parseBandwidth('64KiB/s')).toBe(65_536);
    expect(parseBandwidth('256 kbit/s')).toBe(32_000);
    expect(parseBandwidth('fast')).toBeNaN();
  });

  it('names every mistake at its place, with the fix', () => {
    const p = problems(
      `
version: 1
${FIRMWARE}
  - { name: app, version: "2.3.0", svn: 5 }
fleets:
  - { id: m, model: thermostat, count: 2, secureOs: { firmware: "2.3.1" } }
  - { id: h, model: thermostat, count: 2, transport: { dialect: iothub, iothub: { provisioning: dps } }, secureOs: { firmware: "2.3.0", compromise: { tampered: 60%, debug: 50% } } }
phases:
  - { kind: connect, rate: 10/s }
  - { kind: firmware-rollout, fleets: [m, nope], to: "3.0.0", waves: [10%, 5%], waveInterval: 10s, duration: 5s, download: { bandwidth: 2 Mbps } }
`,
    );
    expect(p).toMatch(/x\.yaml:8:\d+ {2}firmware\[3\]\.version: duplicate release app@2\.3\.0/);
    expect(p).toMatch(/fleets\[0\]\.secureOs: secureOs needs an IoT Hub fleet.*\n\s+hint: add transport: \{ dialect: iothub \}/);
    expect(p).toMatch(/fleets\[0\]\.secureOs\.firmware: app has no release "2\.3\.1"; did you mean "2\.3\.0"\?/);
    expect(p).toMatch(/fleets\[1\]\.transport\.iothub\.provisioning: a secureOs fleet gets its credential from attestation/);
    expect(p).toMatch(/fleets\[1\]\.secureOs\.compromise: the compromise shares add up to 110%/);
    expect(p).toMatch(/phases\[1\]\.download\.bandwidth: expected a bandwidth such as "1 Mbit\/s"/);
    const q = problems(scenario('{ firmware: "2.3.0" }', '{ kind: firmware-rollout, fleets: [plain, nope], to: "3.0.0", waves: [10%, 5%], waveInterval: 10s, duration: 5s }', 'hub: { attestation: { require: sometimes } }'));
    expect(q).toMatch(/phases\[1\]\.fleets\[0\]: fleet "plain" has no secureOs/);
    expect(q).toMatch(/phases\[1\]\.fleets\[1\]: unknown fleet "nope"/);
    expect(q).toMatch(/phases\[1\]\.waves\[1\]: waves are cumulative shares and must not shrink/);
    expect(q).toMatch(/phases\[1\]\.duration: the waves start over 11s/);
    expect(q).toMatch(/hub\.attestation\.require: /);
    const r = problems(scenario('{ firmware: "2.3.0" }', '{ kind: firmware-rollout, to: "3.0.0", duration: 5s }'));
    expect(r).toMatch(/phases\[1\]\.to: app has no release "3\.0\.0".*\n\s+hint: to: one of 1\.0\.0, 2\.3\.0 and 2\.4\.0/);
    expect(problems(scenario('{ firmware: "2.3.0" }', '{ kind: steady, duration: 1s }').replace(/firmware:\n(.*\n){3}/, ''))).toMatch(/no release 2\.3\.0: the scenario has no firmware: list/);
    expect(problems(`version: 1\nfleets: [{ id: a, model: thermostat, count: 1 }]\nphases: [{ kind: connect, rate: 1/s }]\nhub: { attestation: { require: refuse } }\n`)).toMatch(/hub\.attestation: hub\.attestation applies to secure-OS devices/);
  });

  it('refuses an external target: the attestation service is the embedded hub', () => {
    const text = scenario('{ firmware: "2.3.0" }').replace('seed: 9', 'seed: 9\ntarget: mqtt://127.0.0.1:1883');
    expect(problems(text)).toMatch(/target: fleet "s" has secureOs, which needs the embedded hub's attestation service; mqtt:\/\/127\.0\.0\.1:1883 has none\n\s+hint: remove target:/);
    expect(() => compileScenarioText(scenario('{ firmware: "2.3.0" }'), 'x.yaml', { target: 'mqtt://127.0.0.1:1883' })).toThrow(FleetsimError);
  });

  it('refuses a firmware-rollout phase in virtual time: at the phase for clock: virtual, on the flag for --clock virtual', () => {
    const text = scenario('{ firmware: "2.3.0" }', undefined, 'clock: virtual');
    expect(problems(text)).toMatch(/x\.yaml:\d+:\d+ {2}phases\[1\]\.kind: firmware-rollout phases run in live time only[^\n]*\n\s*hint: set clock: live, or remove the firmware-rollout phase/);
    expect(() => compileScenarioText(scenario('{ firmware: "2.3.0" }'), 'x.yaml', { clock: 'virtual' })).toThrow(/--clock virtual: firmware-rollout phases run in live time only/);
    // Without a rollout, a secure-OS fleet runs in virtual time (attestation in process).
    const plan = compileScenarioText(scenario('{ firmware: "2.3.0" }', '{ kind: steady, duration: 1h }'), 'x.yaml', { clock: 'virtual' });
    expect(plan.clock).toBe('virtual');
    expect(plan.fleets[0]?.secureOs?.firmware).toBe('2.3.0');
  });
});

describe('seeded choices of secure-OS fleets', () => {
  const plan = compileScenarioText(
    scenario(
      '{ firmware: "2.3.0", compromise: { tampered: 1%, debug: 0.5%, rollback: 0.5%, cloned: 1% } }',
      '{ kind: firmware-rollout, to: "2.4.0", waves: [1%, 10%, 100%], waveInterval: 5s, spread: 2s, duration: 30s, faults: { powerLoss: 1%, corruptDownload: 2%, healthCheckFailure: 3% } }',
    ),
    'x.yaml',
  );
  const fleet = plan.fleets[0];
  const secure = fleet?.secureOs;
  if (fleet === undefined || secure === undefined) throw new Error('no secure fleet');

  it('compromise: exact shares, one kind per device, the same every time and for another seed different devices', () => {
    const chosen = compromisedDevices(plan.seed, fleet, secure.compromise);
    const count = (k: string) => [...chosen.values()].filter((v) => v === k).length;
    expect([count('tampered'), count('debug'), count('rollback'), count('cloned')]).toEqual([2, 1, 1, 2]);
    expect(compromisedDevices(plan.seed, fleet, secure.compromise)).toEqual(chosen);
    expect([...compromisedDevices('other', fleet, secure.compromise).keys()]).not.toEqual([...chosen.keys()]);
    expect(cloneSource(5, 200)).toBe(6);
    expect(cloneSource(199, 200)).toBe(0);
  });

  it('rollout: cumulative waves, starts inside their wave, exact fault counts, deterministic', () => {
    const phase = plan.phases[1];
    if (phase?.kind !== 'firmware-rollout') throw new Error('no rollout');
    const turns = rolloutTurns(plan, phase);
    expect(turns.size).toBe(200);
    const waves = [0, 1, 2].map((k) => [...turns.values()].filter((t) => t.wave === k));
    expect(waves.map((w) => w.length)).toEqual([2, 18, 180]);
    waves.forEach((w, k) =>
      w.forEach((t) => {
        expect(t.offsetMs).toBeGreaterThanOrEqual(k * 5000);
        expect(t.offsetMs).toBeLessThan(k * 5000 + 2000);
      }),
    );
    const faults = (f: 'powerLoss' | 'corruptDownload' | 'healthCheckFailure') => [...turns.values()].filter((t) => t[f]).length;
    expect([faults('powerLoss'), faults('corruptDownload'), faults('healthCheckFailure')]).toEqual([2, 4, 6]);
    expect([...turns.keys()].every((g) => g < 200)).toBe(true); // never the plain fleet
    expect(rolloutTurns(plan, phase)).toEqual(turns);
  });
});
