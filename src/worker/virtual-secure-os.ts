/**
 * Secure-OS fleets in virtual time (issue 5): no network, no hub. Each shard holds the attestation service in process,
 * configured from the plan as the embedded hub configures its own (src/attestation/from-plan.ts, service.ts), on the
 * virtual clock and a seeded RNG. The device side is the live one (SecureOsRuntime: slots, compromise, measured boot,
 * the tally behind the report's Secure OS section); only the transport of the two round trips is gone.
 *
 * What a device does, in model time (offsets from the plan start):
 * - it boots (measured boot) when it is powered on at its arrival and after each watchdog reset, and attests as soon
 *   as it has booted, before its first reading of that power cycle;
 * - with a full credential it emits its readings; it attests again on the fleet's attestation period, or at 85 % of
 *   the credential's life if that comes first (as the live transport renews), so a credential never expires while
 *   held by a running device (`expired` counts one that did, by the live rule: found expired when next used);
 * - refused, or quarantined (an update-only credential carries no telemetry), it emits nothing; it tries again on the
 *   period and at its next boot, and each try is counted. A compromised device is refused every time, so it stays out
 *   for the whole run. A device whose secure boot refuses its image (none of the injected compromises does) has
 *   nothing to attest and stays out until its next boot.
 *
 * Attestation costs no model time: the verdict applies from the instant the device booted (or the period fell due).
 * The CPU time of each measured boot and of each attestation (challenge, evidence, verification) is measured and
 * reported as such; there is no network latency to report.
 */
import { createHmac } from 'node:crypto';
import { hubAttestation, secureOsFleet } from '../attestation/from-plan.js';
import { createAttestationService, type AttestationService } from '../attestation/service.js';
import { ManualClock } from '../core/clock.js';
import { createRng } from '../core/rng.js';
import { makeEvidence } from '../devices/secure-os/index.js';
import { EMBEDDED_HUB_HOST } from '../iothub/index.js';
import { MetricsRecorder } from '../metrics/recorder.js';
import { type SecureOsCpu, type SecureOsReport, emptySecureOsCpu } from '../metrics/secure-os-report.js';
import type { RunPlan } from '../scenario/plan.js';
import type { DeviceRuntime } from './device.js';
import { type SecureDevice, SecureOsRuntime } from './secure-os.js';

/** The live transport renews a credential at this share of its life (src/transports/iothub/transport.ts). */
export const RENEW_SHARE = 0.85;

/** One secure-OS device's gate on its telemetry while virtual time runs it. */
export interface SecureGate {
  readonly state: SecureDevice;
  /** Holds a full, unexpired credential: its readings are emitted. */
  admitted: boolean;
  /** Offset (ms from the plan start) of its next attestation; Infinity: none until its next boot. */
  nextAt: number;
}

export class VirtualSecureOs {
  private readonly clock: ManualClock;
  private readonly service: AttestationService;
  private readonly runtime: SecureOsRuntime;
  readonly cpu: SecureOsCpu = emptySecureOsCpu();

  constructor(private readonly plan: RunPlan) {
    const attestation = hubAttestation(plan);
    if (attestation === undefined) throw new Error('secure-OS fleets need the plan’s hub.attestation');
    this.clock = new ManualClock(plan.startTimeMs);
    this.service = createAttestationService({
      attestation,
      fleets: plan.fleets.map((f) => ({ id: f.id, idPattern: f.idPattern, count: f.count, secureOs: secureOsFleet(f) })),
      // No hub to own a key: the service secret follows from the seed (it signs SAS credentials nobody presents).
      hubServiceKey: createHmac('sha256', 'fleetsim virtual hub').update(plan.seed).digest('base64'),
      hostName: EMBEDDED_HUB_HOST,
      clock: this.clock,
      rng: createRng(plan.seed, 'verifier'),
    });
    this.runtime = new SecureOsRuntime(plan, undefined, {
      clock: this.clock,
      recorder: new MetricsRecorder(), // live counters; virtual time reports the tally only
      at: () => {},
      reboot: () => {},
      finished: () => false,
      draining: () => false,
    });
  }

  /** The device's gate (its compromise, if any, is counted now), or undefined for an ordinary device. */
  begin(d: DeviceRuntime): SecureGate | undefined {
    const state = this.runtime.state(d);
    return state === undefined ? undefined : { state, admitted: false, nextAt: Infinity };
  }

  /** A power cycle: the device booted at `at` (offset ms); RAM is lost, it boots measured and attests. */
  booted(d: DeviceRuntime, g: SecureGate, at: number): void {
    this.runtime.onReboot(d);
    g.admitted = false;
    this.attest(d, g, at);
  }

  /** Attest at `at` (offset ms): boot if this power cycle has not yet, challenge, evidence, verify; set the gate. */
  attest(d: DeviceRuntime, g: SecureGate, at: number): void {
    const now = this.plan.startTimeMs + at;
    this.clock.set(now);
    const s = g.state;
    if (s.credential !== undefined && now >= s.credential.expiresAtMs) this.runtime.tally.credentials.expired++;
    s.credential = undefined;
    g.admitted = false;
    g.nextAt = Infinity;
    let booted = s.booted;
    if (booted === undefined) {
      const t0 = performance.now();
      booted = this.runtime.bootDevice(d, s);
      this.cpu.bootMs += performance.now() - t0;
      this.cpu.boots++;
    }
    if (!booted.ok) return; // secure boot refused its image: nothing to attest until the next boot
    const t0 = performance.now();
    const verifier = this.service.verifier;
    const outcome = verifier.verify(makeEvidence(booted, verifier.challenge(booted.deviceId).nonce));
    this.cpu.attestMs += performance.now() - t0;
    this.cpu.attestations++;
    this.runtime.record(s, outcome);
    const c = outcome.ok ? outcome.credential : outcome.quarantine;
    const period = s.plan.attestationPeriodMs ?? Infinity;
    if (c === undefined) {
      g.nextAt = at + period;
      return;
    }
    s.credential = c;
    s.issuedAt = now;
    g.admitted = c.scope === 'full';
    g.nextAt = at + Math.min(period, (c.expiresAtMs - now) * RENEW_SHARE);
  }

  /**
   * The device is done: its state and the verifier's cached identity (under the id it claimed: a clone claims its
   * victim's) are dropped, so a shard holds one device's secure-OS state at a time; a compromised device that never
   * attested is counted so.
   */
  finish(d: DeviceRuntime, g: SecureGate | undefined): void {
    this.service.verifier.forget(d.deviceId);
    const claimed = g?.state.booted?.deviceId;
    if (claimed !== undefined) this.service.verifier.forget(claimed);
    this.runtime.forget(d);
  }

  /** The shard's Secure OS tally (the live report's shape). */
  report(): SecureOsReport {
    return this.runtime.report();
  }
}
