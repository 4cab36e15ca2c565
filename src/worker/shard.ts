import type { Clock } from '../core/clock.js';
import { MetricsRecorder } from '../metrics/recorder.js';
import type { DrainPhasePlan, PhasePlan, RunPlan } from '../scenario/plan.js';
import type { ShardRange } from '../scenario/shard.js';
import type { CommandResult, DeviceCommand } from '../devices/model.js';
import type { DeviceRuntime, FleetContext } from './device.js';
import { handleCommand } from './commands.js';
import { Connections } from './connections.js';
import type { SendEvent, ShardEvent } from './events.js';
import { buildDevices } from './fleet.js';
import { arrivalAt, connectAssignments } from './phases/connect.js';
import { stormDropOffsetMs } from './phases/storm.js';
import { Uploads, uploadSchedule } from './phases/file-upload.js';
import type { Rollouts } from './phases/firmware-rollout.js';
import { type SecureOsRuntime, secureOsForShard } from './secure-os.js';
import type { DeviceLedger, ShardResult, WorkerMessage } from './protocol.js';
import { Scheduler, type Timers, realTimers } from './scheduler.js';
import { Telemetry } from './telemetry.js';

export interface ShardDeps {
  readonly clock: Clock;
  readonly timers?: Timers;
  /** One transport per fleet. */
  readonly fleets: readonly FleetContext[];
  readonly post: (msg: WorkerMessage) => void;
  /** The hub's HTTP(S) endpoints (the embedded hub's): secure-OS devices attest there. */
  readonly httpUrl?: string | undefined;
}

const INTERVAL_MS = 1000;
const PROBE_MS = 10;
const DRAIN_POLL_MS = 20;
/** On an early stop (Ctrl-C, abortOnFail), wait at most this long for outstanding acks. */
const STOP_DRAIN_MS = 2000;

/**
 * Runs one shard of the fleet: its devices, one scheduler, one metrics recorder. Every device action is an event on
 * an absolute timeline starting at t0, so lag is measured against intended times.
 */
export class ShardRunner {
  private readonly scheduler: Scheduler<ShardEvent>;
  private readonly recorder = new MetricsRecorder();
  private readonly devices: DeviceRuntime[];
  private t0 = 0;
  private phase: PhasePlan | undefined;
  private multiplier = 1;
  private draining = false;
  private finished = false;
  private intervals = 0;
  /** The telemetry path (publish, ack, store-and-forward; the in-flight total). */
  private readonly telemetry: Telemetry;
  /** The connection lifecycle (connect, retry, sleep, reboot, death; the online count). */
  private readonly connections: Connections;
  /** File uploads of file-upload phases; the drain waits for those in flight as for telemetry acks. */
  private readonly uploads: Uploads;
  /** Secure-OS fleets: boot, attestation, credentials (undefined without them), and firmware rollouts. */
  private readonly secure: SecureOsRuntime | undefined;
  private readonly rollouts: Rollouts | undefined;
  private resolveDone!: (r: ShardResult) => void;
  readonly done: Promise<ShardResult>;

  constructor(
    private readonly plan: RunPlan,
    private readonly shard: ShardRange,
    private readonly deps: ShardDeps,
  ) {
    this.scheduler = new Scheduler<ShardEvent>(deps.clock, (e, at, now) => this.handle(e, at, now), deps.timers ?? realTimers);
    this.devices = buildDevices(plan, shard, deps.fleets);
    this.uploads = new Uploads(this.recorder, deps.clock, () => this.finished);
    const secure = secureOsForShard(plan, deps.httpUrl, this.devices, {
      clock: deps.clock,
      recorder: this.recorder,
      at: (at, run) => this.scheduler.at(at, { kind: 'task', run }),
      reboot: (d) => this.connections.reboot(d, deps.clock.now(), false),
      finished: () => this.finished,
      draining: () => this.draining,
    });
    this.secure = secure?.runtime;
    this.rollouts = secure?.rollouts;
    this.telemetry = new Telemetry(this.recorder, deps.clock, plan.report.lateThresholdMs, this.secure, {
      finished: () => this.finished,
      sleep: (d) => this.connections.sleep(d),
      modelTime: (at) => this.modelTime(at),
    });
    this.connections = new Connections({
      plan,
      recorder: this.recorder,
      clock: deps.clock,
      scheduler: this.scheduler,
      telemetry: this.telemetry,
      secure: this.secure,
      draining: () => this.draining,
      finished: () => this.finished,
      t0: () => this.t0,
      command: (d, command) => this.command(d, command),
    });
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  get deviceCount(): number {
    return this.devices.length;
  }

  /** Lay out the timeline from t0 (absolute clock ms): phases, device arrivals, intervals, the event-loop probe. */
  start(t0: number): void {
    this.t0 = t0;
    for (const phase of this.plan.phases) this.scheduler.at(t0 + phase.startMs, { kind: 'phase', phase });
    const assignments = connectAssignments(this.plan);
    for (const d of this.devices) {
      const a = assignments.get(d.fleet.plan.id);
      if (a === undefined) continue;
      // Powered on at its arrival; the first connection attempt (and the telemetry schedule) waits for the boot.
      const at = arrivalAt(t0, a, d.localIndex) + d.fleet.plan.mcu.bootMs;
      d.lastStepAt = this.modelTime(at);
      this.scheduler.at(at, { kind: 'connect', device: d, gen: d.connGen });
      // The telemetry schedule is anchored here, not to a CONNACK, so every intended time and value is seed-determined.
      this.scheduler.at(at + d.schedRng.uniform(0, d.fleet.plan.telemetry.everyMs), { kind: 'send', device: d });
      if (d.mcu !== undefined && d.fleet.plan.mcu.watchdogResetsPerDay > 0) {
        this.scheduler.at(d.mcu.nextResetAfter(at - t0) + t0, { kind: 'reboot', device: d, watchdog: true });
      }
    }
    this.scheduler.at(t0 + INTERVAL_MS, { kind: 'interval' });
    this.scheduler.at(t0 + PROBE_MS, { kind: 'probe' });
  }

  /** Early stop: drain now with a short timeout, then finish. */
  stop(): void {
    if (this.draining || this.finished) return;
    this.beginDrain(Math.min(STOP_DRAIN_MS, this.plannedDrainMs()));
  }

  private handle(e: ShardEvent, at: number, now: number): void {
    switch (e.kind) {
      case 'connect':
        if (e.gen === e.device.connGen) this.connections.connect(e.device, at, now);
        return;
      case 'send':
        this.send(e, at, now);
        return;
      case 'drop':
        this.connections.drop(e.device, e.gen);
        return;
      case 'reboot':
        this.connections.reboot(e.device, at, e.watchdog);
        return;
      case 'phase':
        this.enterPhase(e.phase, now);
        return;
      case 'upload':
        if (this.draining) return;
        if (e.device.status === 'online') this.recorder.observe('schedule.lag', (now - at) * 1000);
        this.uploads.run(e.device, e.phase, at);
        return;
      case 'task':
        e.run();
        return;
      case 'interval':
        this.flush();
        this.scheduler.at(at + INTERVAL_MS, e);
        return;
      case 'probe':
        this.recorder.observe('eventloop.delay', (now - at) * 1000);
        this.scheduler.at(now + PROBE_MS, e);
        return;
      case 'drain-check':
        // Acks, uploads and attestations in flight are waited for (the hub counts what it answered: so do the devices).
        if ((this.telemetry.inFlight === 0 && this.uploads.inFlight === 0 && (this.secure?.inFlight ?? 0) === 0) || now >= e.deadline) void this.finish();
        else this.scheduler.at(now + DRAIN_POLL_MS, e);
        return;
    }
  }

  private enterPhase(phase: PhasePlan, now: number): void {
    if (this.draining) return;
    this.flush();
    this.phase = phase;
    this.deps.post({ type: 'phase', shard: this.shard.index, phase: phase.name, atMs: now });
    this.multiplier = phase.kind === 'spike' ? phase.multiplier : 1;
    if (phase.kind === 'drain') this.beginDrain(phase.timeoutMs);
    else if (phase.kind === 'disconnect-storm') {
      const start = this.t0 + phase.startMs;
      for (const d of this.devices) {
        if (d.status !== 'online') continue;
        const offset = stormDropOffsetMs(this.plan.seed, phase, d.index);
        if (offset !== undefined) this.scheduler.at(start + offset, { kind: 'drop', device: d, gen: d.connGen });
      }
    } else if (phase.kind === 'file-upload') {
      const start = this.t0 + phase.startMs;
      const schedule = uploadSchedule(this.plan, phase); // global device index → offset
      for (const d of this.devices) {
        const offset = schedule.get(d.index);
        if (offset !== undefined) this.scheduler.at(start + offset, { kind: 'upload', device: d, phase });
      }
    } else if (phase.kind === 'firmware-rollout') this.rollouts?.enter(phase, this.t0 + phase.startMs, this.devices);
  }

  /** A command for one of this shard's devices, from whatever carried it (issue 4: methods, C2D, twins). */
  command(d: DeviceRuntime, command: DeviceCommand): CommandResult {
    return handleCommand(d, command, {
      reboot: (target) => {
        if (this.draining || this.finished) return false;
        const now = this.deps.clock.now();
        // After the answer is on its way, as a device acknowledges a reboot method before going down.
        this.scheduler.at(now, { kind: 'reboot', device: target, watchdog: false });
        return true;
      },
    });
  }

  /** This shard's device with `deviceId`, if it has it. */
  device(deviceId: string): DeviceRuntime | undefined {
    return this.devices.find((d) => d.deviceId === deviceId);
  }

  /**
   * A reading falls due on the device's telemetry schedule (kept whatever the connection does): the next one is
   * scheduled, and this one is published, held for the first CONNACK, buffered, or skipped (see Telemetry).
   */
  private send(e: SendEvent, at: number, now: number): void {
    const d = e.device;
    if (this.draining || d.status === 'dead') return;
    if (d.modelDead) {
      this.connections.die(d);
      return;
    }
    this.scheduler.at(at + d.nextIntervalMs(this.multiplier), e); // the device's one send event, filed again
    if (d.status === 'booting') this.recorder.count('telemetry.skipped');
    else if (d.sleeper && d.status !== 'online') this.connections.wake(d, at, now);
    else if (d.status === 'online' && !this.telemetry.quarantined(d)) this.telemetry.publish(d, at, now, d.read(this.modelTime(at)));
    else if ((d.status === 'connecting' || d.status === 'idle') && !d.everOnline) this.telemetry.hold(d, at);
    else this.telemetry.offline(d, at);
  }

  /** Model time of an intended time on this run's timeline (see RunPlan.startTimeMs). */
  private modelTime(at: number): number {
    return this.plan.startTimeMs + (at - this.t0);
  }

  private plannedDrainMs(): number {
    const last = this.plan.phases[this.plan.phases.length - 1];
    return last !== undefined && last.kind === 'drain' ? (last as DrainPhasePlan).timeoutMs : 5000;
  }

  private beginDrain(timeoutMs: number): void {
    this.draining = true;
    const now = this.deps.clock.now();
    this.scheduler.at(now, { kind: 'drain-check', deadline: now + timeoutMs });
  }

  private flush(): void {
    this.recorder.gauge('devices.connected', this.connections.online);
    this.recorder.gauge('telemetry.inflight', this.telemetry.inFlight);
    if (this.phase === undefined) return;
    const snapshot = this.recorder.snapshot();
    this.deps.post({ type: 'interval', shard: this.shard.index, seq: ++this.intervals, phase: this.phase.name, snapshot });
  }

  /** Final snapshot (in-flight counted at this instant), then close every connection and report the ledger. */
  private async finish(): Promise<void> {
    if (this.finished) return;
    this.flush();
    this.finished = true;
    this.scheduler.stop();
    const closing: Promise<void>[] = [];
    for (const d of this.devices) {
      const conn = d.conn;
      d.conn = undefined;
      if (d.status !== 'failed' && d.status !== 'dead') d.status = 'stopped';
      if (conn !== undefined) closing.push(conn.close());
    }
    await Promise.allSettled(closing);
    const secureOs = this.secure === undefined ? undefined : { ...this.secure.report(), rollouts: this.rollouts?.report() ?? [] };
    this.resolveDone({ shard: this.shard.index, intervals: this.intervals, ledger: this.ledger(), ...(secureOs === undefined ? {} : { secureOs }) });
  }

  private ledger(): DeviceLedger[] {
    const out: DeviceLedger[] = [];
    for (const d of this.devices) {
      if (d.seq === 0) continue;
      out.push({ deviceId: d.deviceId, lastSeq: d.seq, unacked: d.unacked() });
    }
    return out;
  }
}
