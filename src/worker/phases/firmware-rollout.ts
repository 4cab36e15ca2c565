/**
 * Firmware-rollout phases in a shard (issue 5): at its turn (wave start + seeded offset, secure-os-draws.ts) a device
 * that is online with a full credential downloads the image (its connection's MQTT chunks, or HTTPS ranges), verifies
 * it (secure boot: signature, digest, anti-rollback), installs it to the inactive slot, reboots through the device's
 * own reboot path into a trial boot of the new slot, attests with the new measurements, reconnects and runs its
 * health check: pass → commit (the anti-rollback counter advances), fail → roll back and reboot into the old slot.
 *
 * Faults at the phase's rates, each on the device's first attempt: a corrupted download (secure boot refuses it:
 * downloaded again), a power loss halfway through the install (the device boots its old slot, reconnects, and starts
 * the update over), an image that fails its health check (rolled back, not retried). Other failures (download
 * errors, a reboot mid-download) retry up to MAX_ATTEMPTS. Timed on the shard's scheduler.
 */
import { failureCode } from '../../core/errors.js';
import { commit, installedFromBytes, rollback, secureBootCheck, writeInactive } from '../../devices/secure-os/index.js';
import { emptyRollout, type RolloutOutcome } from '../../metrics/secure-os-report.js';
import type { FirmwareRolloutPhasePlan, RunPlan } from '../../scenario/plan.js';
import type { DeviceRuntime } from '../device.js';
import type { SecureDevice, SecureOsHost, SecureOsRuntime } from '../secure-os.js';
import { type RolloutTurn, rolloutTurns } from '../secure-os-draws.js';

/** Flash write speed of the simulated MCU: install time = image size ÷ this. */
export const INSTALL_BYTES_PER_S = 1024 * 1024;
/** The health check runs this long after the trial boot's connection. */
export const HEALTH_CHECK_MS = 1000;
/** Failed download / verify attempts before the device gives up on this rollout. */
const MAX_ATTEMPTS = 5;
const POLL_MS = 200;

class GaveUp extends Error {}

export class Rollouts {
  /** Devices with an update under way (started, neither committed nor rolled back yet). */
  private readonly active = new Set<DeviceRuntime>();
  private readonly outcomes = new Map<string, RolloutOutcome>();

  constructor(
    private readonly plan: RunPlan,
    private readonly secure: SecureOsRuntime,
    private readonly host: SecureOsHost,
  ) {}

  /** The phase began at `start` (absolute ms): schedule each of this shard's selected devices at its turn. */
  enter(phase: FirmwareRolloutPhasePlan, start: number, devices: readonly DeviceRuntime[]): void {
    const outcome = this.outcome(phase);
    const turns = rolloutTurns(this.plan, phase);
    for (const d of devices) {
      const turn = turns.get(d.index);
      if (turn === undefined) continue;
      outcome.targeted++;
      const at = start + turn.offsetMs;
      this.host.at(at, () => this.begin(d, phase, turn, start, at, outcome));
    }
  }

  private outcome(phase: FirmwareRolloutPhasePlan): RolloutOutcome {
    let o = this.outcomes.get(phase.name);
    if (o === undefined) this.outcomes.set(phase.name, (o = emptyRollout(phase.name, phase.app, phase.to)));
    return o;
  }

  private begin(d: DeviceRuntime, phase: FirmwareRolloutPhasePlan, turn: RolloutTurn, phaseStart: number, at: number, o: RolloutOutcome): void {
    const s = this.secure.state(d);
    if (s === undefined || this.host.finished()) return;
    if (!this.usable(d, s, phase) || this.active.has(d)) {
      o.skipped++;
      return;
    }
    o.started++;
    this.active.add(d);
    this.host.recorder.count('ota.started');
    this.update(d, s, phase, turn, o).then(
      (result) => {
        this.active.delete(d);
        if (this.host.finished()) return;
        const now = this.host.clock.now();
        if (result === 'committed') {
          o.committed++;
          this.host.recorder.count('ota.committed');
          this.host.recorder.observe('ota.update_time', (now - at) * 1000);
          this.host.recorder.observe('ota.converge_time', (now - phaseStart) * 1000);
          o.convergeMs = Math.max(o.convergeMs ?? 0, now - phaseStart);
        } else {
          o.rolledBack++;
          this.host.recorder.count('ota.rolled_back');
        }
      },
      () => this.active.delete(d), // gave up, or the run ended: unfinished
    );
  }

  /** Online with a full credential, or with an update-only one when the rollout updates quarantined devices too. */
  private usable(d: DeviceRuntime, s: SecureDevice, phase: FirmwareRolloutPhasePlan): boolean {
    return d.status === 'online' && d.conn?.downloadFirmware !== undefined && (!s.quarantined || phase.quarantined === 'update');
  }

  private failed(o: RolloutOutcome, reason: string): void {
    if (this.host.finished()) return;
    o.failedByReason[reason] = (o.failedByReason[reason] ?? 0) + 1;
    this.host.recorder.count('ota.failed');
  }

  private async update(d: DeviceRuntime, s: SecureDevice, phase: FirmwareRolloutPhasePlan, turn: RolloutTurn, o: RolloutOutcome): Promise<'committed' | 'rolled-back'> {
    const image = this.secure.catalog.image(phase.app, phase.to);
    let corrupt = turn.corruptDownload;
    let powerLoss = turn.powerLoss;
    for (let attempt = 1; ; attempt++) {
      if (attempt > MAX_ATTEMPTS) {
        this.failed(o, 'GAVE_UP');
        throw new GaveUp();
      }
      await this.whenUsable(d, s, phase);
      const conn = d.conn;
      if (conn?.downloadFirmware === undefined) continue;
      const started = this.host.clock.now();
      let bytes: Buffer;
      try {
        bytes = await conn.downloadFirmware({ name: image.name, version: image.version, sizeBytes: image.size, ...phase.download });
      } catch (err) {
        this.failed(o, `DOWNLOAD_${failureCode(err)}`);
        await this.sleep(1000 * attempt);
        continue;
      }
      this.host.recorder.count('ota.downloaded');
      this.host.recorder.observe('ota.download_time', (this.host.clock.now() - started) * 1000);
      if (corrupt) {
        corrupt = false; // a bit flipped on the way: the digest no longer matches the signed manifest
        bytes = Buffer.from(bytes);
        bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] as number) ^ 0x40;
      }
      const written = installedFromBytes(image, bytes);
      const refusal = secureBootCheck(written, this.secure.catalog, s.slots.counter);
      if (refusal !== undefined) {
        this.failed(o, refusal === 'CORRUPT_IMAGE' ? 'CORRUPT_DOWNLOAD' : refusal);
        continue;
      }
      this.host.recorder.count('ota.verified');
      const installMs = (image.size * 1000) / INSTALL_BYTES_PER_S;
      if (powerLoss) {
        powerLoss = false;
        await this.sleep(installMs / 2);
        this.failed(o, 'POWER_LOSS'); // half-written inactive slot: the device boots its old, committed slot
        this.host.reboot(d);
        continue;
      }
      await this.sleep(installMs);
      s.slots = writeInactive(s.slots, written);
      this.host.recorder.count('ota.installed');
      s.trialPending = true;
      s.updated = true;
      this.host.reboot(d); // boots the new slot as a trial (SecureOsRuntime.bootDevice), attests with its measurements
      await this.whenUsable(d, s, phase);
      if (!s.slots.trial) {
        this.failed(o, 'TRIAL_BOOT_REFUSED'); // secure boot refused the new slot at boot: the device runs the old one
        continue;
      }
      await this.sleep(HEALTH_CHECK_MS);
      if (turn.healthCheckFailure) {
        const step = rollback(s.slots);
        s.slots = step.state;
        s.trialPending = false;
        this.host.reboot(d);
        return 'rolled-back';
      }
      s.slots = commit(s.slots);
      return 'committed';
    }
  }

  /** Resolves once the device is online with a full credential; rejects when the run ends. */
  private whenUsable(d: DeviceRuntime, s: SecureDevice, phase: FirmwareRolloutPhasePlan): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.host.finished()) reject(new GaveUp());
        else if (this.usable(d, s, phase)) resolve();
        else this.host.at(this.host.clock.now() + POLL_MS, check);
      };
      check();
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => this.host.at(this.host.clock.now() + ms, () => (this.host.finished() ? reject(new GaveUp()) : resolve())));
  }

  /** Per rollout phase: outcomes, with those started and not finished counted as unfinished. */
  report(): RolloutOutcome[] {
    return [...this.outcomes.values()].map((o) => ({ ...o, unfinished: o.started - o.committed - o.rolledBack }));
  }
}
