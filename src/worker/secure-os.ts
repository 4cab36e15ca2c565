/**
 * Secure-OS devices in a shard (issue 5, docs/secure-os.md): each device's A/B slots, its measured boot (once per
 * power cycle), its compromise if it was chosen for one, and its attestation credential. Before every hub connection
 * the IoT Hub transport asks `credential(d)`: a cached credential while it is fresh, else a measured boot (when the
 * device has not booted since power-on) and an attestation over HTTP, timed in attestation.latency and counted by
 * outcome. Devices attest again on the fleet's attestation period while they run. The tally behind the report's
 * Secure OS section is kept here too (counts per device, first outcomes, compromise kinds).
 */
import type { Clock } from '../core/clock.js';
import { failureCode } from '../core/errors.js';
import type { AttestationOutcome, Credential } from '../attestation/index.js';
import {
  type BootAttack,
  type BootResult,
  type FirmwareCatalog,
  type SlotState,
  activeImage,
  boot,
  bootInactive,
  factorySlots,
  firmwareCatalog,
  installed,
  makeEvidence,
  tampered,
} from '../devices/secure-os/index.js';
import type { MetricsRecorder } from '../metrics/recorder.js';
import { type SecureOsReport, emptyCompromise, emptySecureOsReport, firstIds } from '../metrics/secure-os-report.js';
import type { FleetPlan, RunPlan, SecureOsPlan } from '../scenario/plan.js';
import { compileTemplate } from '../core/template.js';
import { createHttpAgents, type HttpAgents } from '../transports/iothub/http-client.js';
import { attest } from '../transports/secure-os/attest-client.js';
import { type AttestedCredential, TransportError } from '../transports/transport.js';
import type { DeviceRuntime } from './device.js';
import { type CompromiseKind, cloneSource, compromisedDevices } from './secure-os-draws.js';
import { Rollouts } from './phases/firmware-rollout.js';

/** What the runtime needs from its shard: time, timers on the shard's scheduler, metrics, the device's reboot path. */
export interface SecureOsHost {
  readonly clock: Clock;
  readonly recorder: MetricsRecorder;
  /** Run fn at absolute time `at` on the shard's scheduler (dropped after the run ends). */
  at(at: number, fn: () => void): void;
  /** The device's reboot path: power cut, boot time, reconnect. */
  reboot(d: DeviceRuntime): void;
  readonly finished: () => boolean;
  /** The run is draining: no new periodic attestation starts (one in flight is waited for, see inFlight). */
  readonly draining: () => boolean;
}

/** The secure-OS state of one device. */
export interface SecureDevice {
  readonly plan: SecureOsPlan;
  readonly compromise: CompromiseKind | undefined;
  slots: SlotState;
  /** Set when the device should boot the inactive slot on its next boot (an installed update's trial boot). */
  trialPending: boolean;
  /** This power cycle's boot; cleared by a reboot. */
  booted: BootResult | undefined;
  credential: Credential | undefined;
  /** When the current credential was issued (its freshness is measured from here). */
  issuedAt: number;
  /** First attestation verdict (for the compromise tally) and whether it ever got a full credential. */
  first: 'ok' | 'quarantined' | 'refused' | undefined;
  admitted: boolean;
  refusedOnce: boolean;
  /** The connection in use has an update-only credential (quarantine). */
  quarantined: boolean;
  /** A rollout installed a genuine release on it (a compromised device admitted afterwards is remediated). */
  updated: boolean;
  /** Bumped on each reboot: a periodic re-attestation of an earlier power cycle drops out. */
  cycle: number;
}

/** Attest per request at most this long (both round trips). */
const ATTEST_TIMEOUT_MS = 15_000;
/** Reuse a credential while more than this share of its life is left (the transport renews at 85 %). */
const FRESH_SHARE = 0.2;

export class SecureOsRuntime {
  readonly catalog: FirmwareCatalog;
  private readonly devices = new Map<DeviceRuntime, SecureDevice>();
  private readonly agents: HttpAgents = createHttpAgents(undefined);
  readonly tally: SecureOsReport = emptySecureOsReport();
  /** Attestations awaiting the service's answer (the drain waits for them). */
  inFlight = 0;
  /** Per fleet: local index → compromise kind. */
  private readonly compromised = new Map<string, Map<number, CompromiseKind>>();

  constructor(
    private readonly plan: RunPlan,
    private readonly httpUrl: string | undefined,
    private readonly host: SecureOsHost,
  ) {
    this.catalog = firmwareCatalog(plan.seed, (plan.firmware ?? []).map((f) => ({ name: f.name, version: f.version, svn: f.svn, sizeBytes: f.sizeBytes, revoked: f.revoked })));
    for (const f of plan.fleets) if (f.secureOs !== undefined) this.compromised.set(f.id, compromisedDevices(plan.seed, f, f.secureOs.compromise));
  }

  /** The device's secure-OS state (created on first use), or undefined for an ordinary device. */
  state(d: DeviceRuntime): SecureDevice | undefined {
    const plan = d.fleet.plan.secureOs;
    if (plan === undefined) return undefined;
    let s = this.devices.get(d);
    if (s === undefined) {
      const compromise = this.compromised.get(d.fleet.plan.id)?.get(d.localIndex);
      const shipped = installed(this.catalog.image(plan.app, plan.firmware));
      const slots = factorySlots(compromise === 'tampered' ? tampered(shipped) : compromise === 'rollback' ? installed(this.downgrade(plan)) : shipped);
      s = { plan, compromise, slots, trialPending: false, booted: undefined, credential: undefined, issuedAt: 0, first: undefined, admitted: false, refusedOnce: false, quarantined: false, updated: false, cycle: 0 };
      this.devices.set(d, s);
      if (compromise !== undefined) {
        const c = (this.tally.compromise[compromise] ??= emptyCompromise());
        c.injected++;
        c.firstIds = firstIds(c.firstIds, [d.deviceId]);
        this.host.recorder.count('security.compromised_injected');
      }
    }
    return s;
  }

  /** The release a rollback attacker boots: a revoked one if the app has any, else its lowest svn. */
  private downgrade(plan: SecureOsPlan) {
    const releases = (this.plan.firmware ?? []).filter((f) => f.name === plan.app);
    const pick = releases.find((f) => f.revoked) ?? [...releases].sort((a, b) => a.svn - b.svn)[0];
    return this.catalog.image(plan.app, (pick ?? { version: plan.firmware }).version);
  }

  /** The attack a compromised device boots with. */
  private attack(d: DeviceRuntime, s: SecureDevice): BootAttack {
    if (s.compromise === 'tampered') return { skipSecureBoot: true };
    if (s.compromise === 'rollback') return { skipAntiRollback: true };
    if (s.compromise === 'cloned') {
      const f = d.fleet.plan;
      const victim = cloneSource(d.localIndex, f.count);
      const victimId = compileTemplate(f.idPattern, ['fleet', 'index'])({ fleet: f.id, index: victim });
      const spec = { seed: this.plan.seed, globalIndex: f.firstIndex + victim, deviceId: victimId, startTimeMs: this.plan.startTimeMs };
      const genuine = boot({ device: spec, catalog: this.catalog, app: activeImage(s.slots) });
      return { clone: { deviceId: victimId, deviceIdCertDer: genuine.deviceIdCertDer } };
    }
    return {};
  }

  /** Measured boot of the active slot (the trial slot first when an update is pending: see firmware-rollout.ts). */
  bootDevice(d: DeviceRuntime, s: SecureDevice): BootResult {
    if (s.booted !== undefined) return s.booted;
    if (s.trialPending) {
      // An installed update: secure boot checks the inactive slot and boots it once as a trial (refused: the old slot).
      s.trialPending = false;
      const step = bootInactive(s.slots, this.catalog);
      if (step.ok) s.slots = step.state;
    }
    const spec = { seed: this.plan.seed, globalIndex: d.index, deviceId: d.deviceId, startTimeMs: this.plan.startTimeMs };
    const debug = s.plan.debug || s.compromise === 'debug';
    s.booted = boot({ device: spec, catalog: this.catalog, app: activeImage(s.slots), antiRollback: s.slots.counter, debug, attack: this.attack(d, s) });
    return s.booted;
  }

  /** A reboot: RAM is lost (the boot and the credential), the next connect boots and attests again. */
  onReboot(d: DeviceRuntime): void {
    const s = this.devices.get(d);
    if (s === undefined) return;
    s.booted = undefined;
    s.credential = undefined;
    s.quarantined = false;
    s.cycle++;
  }

  /** The hook the transport calls before each CONNECT of a secure-OS device. */
  attestHook(d: DeviceRuntime): (() => Promise<AttestedCredential>) | undefined {
    const s = this.state(d);
    return s === undefined ? undefined : () => this.credential(d, s);
  }

  private async credential(d: DeviceRuntime, s: SecureDevice): Promise<AttestedCredential> {
    const now = this.host.clock.now();
    const c = s.credential;
    if (c !== undefined) {
      const life = c.expiresAtMs - s.issuedAt;
      const periodDue = s.plan.attestationPeriodMs !== null && now - s.issuedAt >= s.plan.attestationPeriodMs;
      if (now >= c.expiresAtMs) {
        this.host.recorder.count('credentials.expired');
        this.tally.credentials.expired++;
      } else if (!periodDue && c.expiresAtMs - now > life * FRESH_SHARE) return this.toAttested(s, c);
      s.credential = undefined;
    }
    const booted = this.bootDevice(d, s);
    if (!booted.ok) throw new TransportError(`SECURE_BOOT_${booted.refusal ?? 'REFUSED'}`, `${d.deviceId}: secure boot refused the application (${booted.refusal ?? '?'}); nothing to attest`);
    const outcome = await this.attestOnce(s, booted);
    if (outcome.ok) return this.accept(d, s, outcome.credential);
    if (outcome.quarantine !== undefined) return this.accept(d, s, outcome.quarantine);
    throw new TransportError(`ATTESTATION_${outcome.reason}`, `${d.deviceId}: attestation refused (${outcome.reason}): ${outcome.message}`);
  }

  private accept(d: DeviceRuntime, s: SecureDevice, c: Credential): AttestedCredential {
    s.credential = c;
    s.issuedAt = this.host.clock.now();
    this.schedulePeriodic(d, s);
    return this.toAttested(s, c);
  }

  private toAttested(s: SecureDevice, c: Credential): AttestedCredential {
    s.quarantined = c.scope === 'update-only';
    if (c.kind === 'sas') return { scope: c.scope, expiresAtMs: c.expiresAtMs, password: c.token };
    const key = (s.booted as BootResult).aliasKeyPem();
    return { scope: c.scope, expiresAtMs: c.expiresAtMs, clientCert: { cert: `${c.certPem}${c.chainPem}`, key } };
  }

  /** Challenge + evidence round trips, timed and counted; the verdict also goes into the tally. */
  private async attestOnce(s: SecureDevice, booted: BootResult): Promise<AttestationOutcome> {
    const r = this.host.recorder;
    const started = this.host.clock.now();
    let outcome: AttestationOutcome;
    this.inFlight++;
    try {
      if (this.httpUrl === undefined) throw new TransportError('ATTESTATION_NO_SERVICE', 'no attestation service: secure-OS fleets need the embedded hub');
      outcome = await attest(this.httpUrl, this.agents, booted.deviceId, (nonce) => makeEvidence(booted, nonce), ATTEST_TIMEOUT_MS);
    } catch (err) {
      if (!this.host.finished()) {
        r.count('attestation.failed');
        r.error('attestation', failureCode(err));
        this.tally.attestations.failed++;
      }
      throw err;
    } finally {
      this.inFlight--;
    }
    if (this.host.finished()) return outcome;
    r.observe('attestation.latency', (this.host.clock.now() - started) * 1000);
    this.record(s, outcome);
    return outcome;
  }

  /** Count one attestation verdict (live: after the HTTP round trips; virtual time: after the in-process verifier). */
  record(s: SecureDevice, o: AttestationOutcome): void {
    const r = this.host.recorder;
    const a = this.tally.attestations;
    const verdict = o.ok ? 'ok' : o.quarantine !== undefined ? 'quarantined' : 'refused';
    if (verdict === 'ok') {
      r.count('attestation.ok');
      a.ok++;
    } else {
      r.count(verdict === 'quarantined' ? 'attestation.quarantined' : 'attestation.refused');
      a[verdict]++;
      const reason = (o as { reason: string }).reason;
      a.byReason[reason] = (a.byReason[reason] ?? 0) + 1;
    }
    if (o.ok || o.quarantine !== undefined) {
      r.count('credentials.issued');
      this.tally.credentials.issued++;
    }
    const c = s.compromise === undefined ? undefined : this.tally.compromise[s.compromise];
    if (s.first === undefined) {
      s.first = verdict;
      if (c !== undefined && verdict !== 'ok') {
        c[verdict]++;
        const reason = (o as { reason: string }).reason;
        c.byReason[reason] = (c.byReason[reason] ?? 0) + 1;
        r.count(verdict === 'quarantined' ? 'security.compromised_quarantined' : 'security.compromised_refused');
      }
    }
    if (verdict === 'ok' && !s.admitted) {
      s.admitted = true;
      if (c !== undefined && s.updated) {
        c.remediated++;
        r.count('security.compromised_remediated');
      } else if (c !== undefined) {
        c.admitted++;
        r.count('security.compromised_admitted');
      }
    }
    if (verdict !== 'ok' && !s.refusedOnce) {
      s.refusedOnce = true;
      if (s.compromise === undefined) r.count('security.false_refusals');
    }
  }

  /**
   * Attest again on the fleet's period while the device runs (a network failure retries within min(period, 30 s)); a
   * refusal, or a change of scope, cuts its connection: it reconnects through a new attestation.
   */
  private schedulePeriodic(d: DeviceRuntime, s: SecureDevice, at?: number): void {
    const period = s.plan.attestationPeriodMs;
    if (period === null) return;
    const cycle = s.cycle;
    const issued = s.issuedAt;
    const stale = (): boolean => s.cycle !== cycle || s.issuedAt !== issued || this.host.finished();
    this.host.at(at ?? issued + period, () => {
      const booted = s.booted;
      if (stale() || this.host.draining() || d.status !== 'online' || booted === undefined || !booted.ok) return;
      this.attestOnce(s, booted).then(
        (o) => {
          if (stale()) return;
          const c = o.ok ? o.credential : o.quarantine;
          if (c !== undefined && c.scope === (s.quarantined ? 'update-only' : 'full')) {
            s.credential = c;
            s.issuedAt = this.host.clock.now();
            this.schedulePeriodic(d, s);
          } else if (d.conn !== undefined) {
            s.credential = undefined;
            d.conn.drop();
          }
        },
        () => {
          if (!stale()) this.schedulePeriodic(d, s, this.host.clock.now() + Math.min(period, 30_000));
        },
      );
    });
  }

  /** The shard's tally, with the compromised devices that never attested counted as such. */
  report(): SecureOsReport {
    for (const s of this.devices.values()) {
      if (s.compromise !== undefined && s.first === undefined) (this.tally.compromise[s.compromise] ??= emptyCompromise()).unattested++;
    }
    return this.tally;
  }

  /**
   * Drop a device's state once it is done (virtual time runs devices one after another, so a shard never holds more
   * than one device's boot and certificates); a compromised device that never attested is counted as such first.
   */
  forget(d: DeviceRuntime): void {
    const s = this.devices.get(d);
    if (s === undefined) return;
    if (s.compromise !== undefined && s.first === undefined) (this.tally.compromise[s.compromise] ??= emptyCompromise()).unattested++;
    this.devices.delete(d);
  }

  /** Ensure every compromised device of the shard is in the tally (those that never connected included). */
  registerAll(devices: readonly DeviceRuntime[]): void {
    for (const d of devices) if (d.fleet.plan.secureOs !== undefined && this.compromised.get(d.fleet.plan.id)?.has(d.localIndex) === true) this.state(d);
  }
}

/** A shard's secure-OS parts (undefined without secure-OS fleets): the devices' runtime and the rollouts. */
export function secureOsForShard(
  plan: RunPlan,
  httpUrl: string | undefined,
  devices: readonly DeviceRuntime[],
  host: SecureOsHost,
): { readonly runtime: SecureOsRuntime; readonly rollouts: Rollouts } | undefined {
  if (!plan.fleets.some((f: FleetPlan) => f.secureOs !== undefined)) return undefined;
  const runtime = new SecureOsRuntime(plan, httpUrl, host);
  runtime.registerAll(devices);
  return { runtime, rollouts: new Rollouts(plan, runtime, host) };
}
