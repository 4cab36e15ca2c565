import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPlan } from '../../src/engine/run.js';
import { compileScenarioText } from '../../src/scenario/index.js';
import type { FirmwareRolloutPhasePlan } from '../../src/scenario/plan.js';
import { compileTemplate } from '../../src/core/template.js';
import { compromisedDevices, rolloutTurns } from '../../src/worker/secure-os-draws.js';

// A small version of scenarios/secure-fleet.yaml, end to end on the embedded hub (real sockets, worker threads): every
// device boots, attests over HTTP and connects with its credential; 2 devices of each compromise kind must be shut out
// with the right reason; a 3-wave rollout with one fault of each kind updates the others; every count reconciles, on
// the devices' side and against the hub's own attestation counters.
const scenario = (via: 'mqtt' | 'https', credential: 'sas' | 'x509') => `
version: 1
name: secure-fleet-small
seed: 11
firmware:
  - { name: app, version: "1.0.0", svn: 1, size: 16KiB, revoked: true }
  - { name: app, version: "2.3.0", svn: 3, size: 32KiB }
  - { name: app, version: "2.4.0", svn: 4, size: 32KiB }
fleets:
  - id: sec
    model: thermostat
    count: 40
    idPattern: "sec-{index:03}"
    telemetry: { every: 500ms }
    reconnect: { base: 500ms, cap: 2s }
    transport: { dialect: iothub }
    secureOs: { firmware: "2.3.0", attestation: 4s, credential: ${credential}, compromise: { tampered: 5%, debug: 5%, rollback: 5%, cloned: 5% } }
phases:
  - { kind: connect, rate: 100/s, settle: 1s }
  - kind: firmware-rollout
    to: "2.4.0"
    waves: [10%, 50%, 100%]
    waveInterval: 2s
    spread: 500ms
    duration: 14s
    download: { via: ${via}, chunkSize: 8KiB, bandwidth: 2 Mbit/s }
    faults: { powerLoss: 4%, corruptDownload: 4%, healthCheckFailure: 4% }
  - { kind: steady, duration: 1s }
  - { kind: drain, timeout: 2s }
thresholds:
  security.compromised_admitted: ["count == 0"]
  security.false_refusals: ["count == 0"]
`;

const EXPECTED_REASON = { tampered: 'MEASUREMENT_UNKNOWN', debug: 'DEBUG_MODE', rollback: 'SVN_REVOKED', cloned: 'CHAIN_INVALID' } as const;

describe('secure-OS fleet on the embedded hub: attest, connect, shut out the compromised, roll out firmware', () => {
  it.each([
    ['mqtt', 'sas'],
    ['https', 'x509'],
  ] as const)('download over %s, %s credentials: exact reconciliation of attestations, compromise and the rollout', async (via, credential) => {
    const plan = compileScenarioText(scenario(via, credential), 'secure-fleet-small.yaml');
    const fleet = plan.fleets[0];
    const secure = fleet?.secureOs;
    const rollout = plan.phases[1] as FirmwareRolloutPhasePlan;
    if (fleet === undefined || secure === undefined) throw new Error('no secure fleet');
    // X.509 credentials connect over MQTT/TLS: the embedded hub needs a data directory for its CA.
    const out = await runPlan(plan, { workers: 2, dataDir: mkdtempSync(join(tmpdir(), 'fleetsim-secure-')) });
    const c = out.summary.total.counters;
    const s = out.secureOs;
    if (s === undefined) throw new Error('no secure OS section');

    // Compromise: the devices the seed chose, each refused with its reason, none admitted.
    const chosen = compromisedDevices(plan.seed, fleet, secure.compromise);
    const idOf = compileTemplate(fleet.idPattern, ['fleet', 'index']);
    for (const kind of ['tampered', 'debug', 'rollback', 'cloned'] as const) {
      const ids = [...chosen].filter(([, k]) => k === kind).map(([i]) => idOf({ fleet: fleet.id, index: i })).sort();
      expect(s.compromise[kind]).toEqual({ injected: 2, refused: 2, quarantined: 0, admitted: 0, remediated: 0, unattested: 0, byReason: { [EXPECTED_REASON[kind]]: 2 }, firstIds: ids });
    }
    expect(c['security.compromised_injected']).toBe(8);
    expect(c['security.compromised_refused']).toBe(8);
    expect(c['security.compromised_admitted']).toBe(0);
    expect(c['security.false_refusals']).toBe(0);
    expect(out.thresholds.every((t) => t.pass)).toBe(true);

    // Attestations: device tally = counters = the hub's own verifier counts.
    const a = s.attestations;
    expect([a.ok, a.refused, a.quarantined, a.failed]).toEqual([c['attestation.ok'], c['attestation.refused'], c['attestation.quarantined'], c['attestation.failed']]);
    expect(a.failed).toBe(0);
    expect(a.refused).toBe(Object.values(a.byReason).reduce((n, x) => n + x, 0));
    // Every refused attestation failed its connection attempt; on a loaded machine a CONNECT may also time out.
    const otherFailures = Object.entries(out.summary.total.errors).filter(([k]) => k.startsWith('connect:') && !k.startsWith('connect:ATTESTATION_'));
    expect(c['connect.failed']).toBe(a.refused + otherFailures.reduce((n, [, v]) => n + v, 0));
    expect(a.ok).toBeGreaterThanOrEqual(32 + 32); // each genuine device at boot and at least once more (period 4 s, reboots)
    expect(s.credentials.issued).toBe(a.ok);
    expect(out.summary.total.trends['attestation.latency']?.count).toBe(a.ok + a.refused);
    const hub = out.hub?.attestation;
    expect(hub?.passed).toBe(a.ok);
    expect(hub?.credentials).toEqual({ sas: credential === 'sas' ? a.ok : 0, x509: credential === 'x509' ? a.ok : 0, quarantine: 0 });
    expect(hub?.refused).toEqual(a.byReason);

    // Rollout: the seed's waves and faults, exactly.
    const turns = rolloutTurns(plan, rollout);
    const r = s.rollouts[0];
    if (r === undefined) throw new Error('no rollout outcome');
    const compromisedGlobal = new Set([...chosen.keys()].map((i) => fleet.firstIndex + i));
    const genuine = [...turns].filter(([g]) => !compromisedGlobal.has(g));
    expect(r.targeted).toBe(40);
    expect(r.started + r.skipped).toBe(40);
    expect(r.unfinished).toBe(0);
    expect(r.committed + r.rolledBack).toBe(r.started);
    const failed = (reason: string) => r.failedByReason[reason] ?? 0;
    const faults = (f: 'powerLoss' | 'corruptDownload' | 'healthCheckFailure') => genuine.filter(([, t]) => t[f]).length;
    if (r.skipped === 8) {
      // Every genuine device was online at its turn (the compromised never are): the seed's faults, exactly.
      expect(r.rolledBack).toBe(faults('healthCheckFailure'));
      expect(r.failedByReason).toEqual({
        ...(faults('powerLoss') > 0 ? { POWER_LOSS: faults('powerLoss') } : {}),
        ...(faults('corruptDownload') > 0 ? { CORRUPT_DOWNLOAD: faults('corruptDownload') } : {}),
      });
    } else {
      // A loaded machine kept some genuine device offline at its turn (a CONNECT timed out): skipped, not updated.
      expect(r.skipped).toBeGreaterThan(8);
      expect(r.rolledBack).toBeLessThanOrEqual(faults('healthCheckFailure'));
    }
    expect(c['ota.started']).toBe(r.started);
    expect(c['ota.committed']).toBe(r.committed);
    expect(c['ota.rolled_back']).toBe(r.rolledBack);
    expect(c['ota.failed']).toBe(Object.values(r.failedByReason).reduce((n, x) => n + x, 0));
    const downloadFailures = Object.entries(r.failedByReason).filter(([k]) => k.startsWith('DOWNLOAD_')).reduce((n, [, v]) => n + v, 0);
    expect(c['ota.downloaded']).toBe(r.started + failed('POWER_LOSS') + failed('CORRUPT_DOWNLOAD') + failed('TRIAL_BOOT_REFUSED'));
    expect(c['ota.verified']).toBe(c['ota.downloaded'] - failed('CORRUPT_DOWNLOAD'));
    expect(c['ota.installed']).toBe(r.started + failed('TRIAL_BOOT_REFUSED'));
    expect(downloadFailures).toBe(0);
    expect(out.summary.total.trends['ota.converge_time']?.count).toBe(r.committed);
    expect(r.convergeMs).toBeGreaterThan(2 * rollout.waveIntervalMs); // the last wave starts at 4 s
    expect(Math.abs((out.summary.total.trends['ota.converge_time']?.max ?? 0) / 1000 - (r.convergeMs ?? 0))).toBeLessThan((r.convergeMs ?? 0) * 0.002 + 1);
    // A download of 32 KiB at 2 Mbit/s takes at least 131 ms: the bandwidth limit holds.
    expect(out.summary.total.trends['ota.download_time']?.min).toBeGreaterThanOrEqual(125_000);
    // Every update reboots once, a rollback or a power loss once more.
    expect(c['device.reboots']).toBe(c['ota.installed'] + r.rolledBack + failed('POWER_LOSS'));
    expect(out.summary.reconciliation.ok).toBe(true);
  }, 90_000);

  it('require: quarantine: compromised devices get update-only credentials, connect to the firmware topics only, send nothing; a rollout with quarantined: update remediates the tampered and downgraded ones', async () => {
    const text = `
version: 1
seed: 3
firmware:
  - { name: app, version: "1.0.0", svn: 1, size: 4KiB, revoked: true }
  - { name: app, version: "2.3.0", svn: 3, size: 4KiB }
  - { name: app, version: "2.4.0", svn: 4, size: 4KiB }
fleets:
  - id: q
    model: thermostat
    count: 20
    telemetry: { every: 300ms }
    reconnect: { base: 300ms, cap: 1s }
    transport: { dialect: iothub }
    secureOs: { firmware: "2.3.0", compromise: { tampered: 10%, debug: 10%, rollback: 10% } }
phases:
  - { kind: connect, rate: 100/s, settle: 500ms }
  - { kind: steady, duration: 2s }
  - { kind: firmware-rollout, to: "2.4.0", waveInterval: 1s, spread: 500ms, duration: 6s, quarantined: update, download: { bandwidth: 10 Mbit/s } }
  - { kind: drain, timeout: 2s }
hub:
  attestation: { require: quarantine }
thresholds:
  security.compromised_admitted: ["count == 0"]
`;
    const out = await runPlan(compileScenarioText(text, 'quarantine.yaml'), { workers: 1 });
    const s = out.secureOs;
    const c = out.summary.total.counters;
    // Quarantined first; the update replaced the tampered and downgraded images with a genuine release, so those attest
    // clean afterwards (remediated, never "admitted"); a debug boot is not firmware: still quarantined.
    expect(s?.compromise.tampered).toMatchObject({ injected: 2, refused: 0, quarantined: 2, admitted: 0, remediated: 2 });
    expect(s?.compromise.rollback).toMatchObject({ injected: 2, refused: 0, quarantined: 2, admitted: 0, remediated: 2 });
    expect(s?.compromise.debug).toMatchObject({ injected: 2, refused: 0, quarantined: 2, admitted: 0, remediated: 0 });
    expect(c['security.compromised_quarantined']).toBe(6);
    expect(c['security.compromised_remediated']).toBe(4);
    expect(s?.rollouts[0]).toMatchObject({ targeted: 20, started: 20, skipped: 0, committed: 20, rolledBack: 0, unfinished: 0 });
    expect(c['connect.failed']).toBe(0); // quarantine admits them: every attempt connects
    // Each device connects once, and again after its update's reboot.
    expect(c['connect.ok']).toBe(40);
    // Quarantined connections: the 6 at first, the 2 debug devices again after their update.
    expect(out.hub?.attestation?.quarantinedConnections).toBe(8);
    expect(out.hub?.attestation?.firmwareRequests).toBeGreaterThan(0); // quarantined devices downloaded over MQTT
    expect(out.hub?.attestation?.quarantineRefusedPublishes).toBe(0); // no telemetry, no twin request leaked out
    // Quarantined devices' readings were taken and dropped, never sent; the rest reached the hub and the observer,
    // plus at most the publishes an update's reboot cut before their PUBACK (failed on the device, yet delivered).
    expect(c['telemetry.sent']).toBe(c['telemetry.acked'] + c['telemetry.failed'] + out.summary.reconciliation.inflight);
    // Their due readings were not sent: skipped while quarantined, or dropped if one was held for the CONNACK (which of
    // the two depends on how fast the connection came up).
    expect(c['telemetry.dropped'] + c['telemetry.skipped']).toBeGreaterThan(0);
    expect(c['delivery.received']).toBeGreaterThanOrEqual(c['telemetry.acked']);
    expect(c['delivery.received']).toBeLessThanOrEqual(c['telemetry.acked'] + c['telemetry.failed']);
    expect(c['delivery.lost']).toBe(0);
    expect(out.hub?.telemetryAccepted).toBeGreaterThanOrEqual(c['telemetry.acked']);
    expect(out.hub?.telemetryAccepted).toBeLessThanOrEqual(c['telemetry.acked'] + c['telemetry.failed']);
    expect(out.thresholds.every((t) => t.pass)).toBe(true);
  }, 60_000);

  it('deep sleepers attest at boot and again on each wake whose credential has expired (credentials.expired)', async () => {
    const text = `
version: 1
seed: 5
firmware: [{ name: app, version: "2.3.0", svn: 3, size: 4KiB }]
fleets:
  - { id: s, model: thermostat, count: 10, telemetry: { every: 1s }, mcu: { sleep: deep, connectEvery: 3 }, transport: { dialect: iothub }, secureOs: { firmware: "2.3.0", attestation: boot } }
phases:
  - { kind: connect, rate: 100/s, settle: 500ms }
  - { kind: steady, duration: 7s }
  - { kind: drain, timeout: 2s }
hub:
  attestation: { credentialTtl: 2s }
`;
    const out = await runPlan(compileScenarioText(text, 'sleepers.yaml'), { workers: 1 });
    const s = out.secureOs;
    const c = out.summary.total.counters;
    // A wake every 3 s outlives a 2 s credential: every connection after a device's first needs a new attestation.
    expect(s?.attestations.ok).toBe(c['connect.attempts']);
    expect(s?.credentials.expired).toBe(c['connect.attempts'] - 10);
    expect(c['credentials.expired']).toBe(s?.credentials.expired);
    expect(s?.credentials.expired).toBeGreaterThanOrEqual(10);
    expect(out.summary.reconciliation.ok).toBe(true);
  }, 60_000);
});

