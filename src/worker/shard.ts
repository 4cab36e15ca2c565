import type { Clock } from '../core/clock.js';
import { failureCode } from '../core/errors.js';
import { MetricsRecorder } from '../metrics/recorder.js';
import type { DrainPhasePlan, FileUploadPhasePlan, PhasePlan, RunPlan } from '../scenario/plan.js';
import { endpointOf } from '../scenario/endpoints.js';
import type { ShardRange } from '../scenario/shard.js';
import type { CommandResult, DeviceCommand, Readings } from '../devices/model.js';
import type { CloseInfo, Connection } from '../transports/transport.js';
import { type FleetContext, DeviceRuntime } from './device.js';
import { handleCommand } from './commands.js';
import { buildDevices } from './fleet.js';
import { arrivalAt, connectAssignments } from './phases/connect.js';
import { stormDropOffsetMs } from './phases/storm.js';
import { Uploads, uploadSchedule } from './phases/file-upload.js';
import type { DeviceLedger, ShardResult, WorkerMessage } from './protocol.js';
import { Scheduler, type Timers, realTimers } from './scheduler.js';

type ShardEvent =
  | { readonly kind: 'connect'; readonly device: DeviceRuntime; readonly gen: number }
  | { readonly kind: 'send'; readonly device: DeviceRuntime }
  | { readonly kind: 'drop'; readonly device: DeviceRuntime; readonly gen: number }
  | { readonly kind: 'reboot'; readonly device: DeviceRuntime; readonly watchdog: boolean }
  | { readonly kind: 'phase'; readonly phase: PhasePlan }
  | { readonly kind: 'upload'; readonly device: DeviceRuntime; readonly phase: FileUploadPhasePlan }
  | { readonly kind: 'interval' }
  | { readonly kind: 'probe' }
  | { readonly kind: 'drain-check'; readonly deadline: number };

export interface ShardDeps {
  readonly clock: Clock;
  readonly timers?: Timers;
  /** One transport per fleet. */
  readonly fleets: readonly FleetContext[];
  readonly post: (msg: WorkerMessage) => void;
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
  private online = 0;
  private pendingTotal = 0;
  /** File uploads of file-upload phases; the drain waits for those in flight as for telemetry acks. */
  private readonly uploads: Uploads;
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
        if (e.gen === e.device.connGen) this.connect(e.device, at, now);
        return;
      case 'send':
        this.send(e.device, at, now);
        return;
      case 'drop':
        if (e.gen === e.device.connGen && e.device.conn !== undefined) {
          e.device.dropping = true;
          e.device.conn.drop();
        }
        return;
      case 'reboot':
        this.reboot(e.device, at, e.watchdog);
        return;
      case 'phase':
        this.enterPhase(e.phase, now);
        return;
      case 'upload':
        if (this.draining) return;
        if (e.device.status === 'online') this.recorder.observe('schedule.lag', (now - at) * 1000);
        this.uploads.run(e.device, e.phase, at);
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
        if ((this.pendingTotal === 0 && this.uploads.inFlight === 0) || now >= e.deadline) void this.finish();
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
    }
  }

  private connect(d: DeviceRuntime, at: number, now: number): void {
    if (this.draining || d.status === 'connecting' || d.status === 'online') return;
    this.recorder.observe('schedule.lag', (now - at) * 1000);
    d.status = 'connecting';
    const gen = ++d.connGen;
    this.recorder.count('connect.attempts');
    const startedAt = this.deps.clock.now();
    // Fan-out (several endpoints, a source-address pool) places the device by its index; a fleet's own URL wins.
    const endpoint = d.fleet.plan.transport.url === undefined ? endpointOf(this.plan.target, d.index) : undefined;
    d.fleet.transport
      .connect({
        ...(endpoint === undefined ? {} : { endpoint }),
        identity: d.identity,
        onClose: (info) => this.onClose(d, gen, info),
        onDownlink: (kind, cmd) => this.downlink(d, kind, cmd),
        onProvisioned: (ms) => this.recorder.observe('provision.latency', ms * 1000),
      })
      .then(
        (conn) => this.onConnected(d, gen, conn, startedAt),
        (err: unknown) => this.onConnectFailed(d, gen, err),
      );
  }

  private onConnected(d: DeviceRuntime, gen: number, conn: Connection, startedAt: number): void {
    if (this.finished) {
      void conn.close();
      return;
    }
    const now = this.deps.clock.now();
    // It got its CONNACK, whatever the device does with it: connect.attempts = ok + failed (+ in flight at the end).
    this.recorder.count('connect.ok');
    this.recorder.observe('connect.latency', (now - startedAt) * 1000);
    if (this.draining || gen !== d.connGen) {
      void conn.close(); // the run is draining, or the device moved on (a reboot cut this attempt)
      return;
    }
    if (d.everOnline && !d.sleeper) this.recorder.count('device.reconnects'); // a sleeper's wakes are not reconnects
    d.everOnline = true;
    d.status = 'online';
    d.conn = conn;
    d.attempt = 0;
    this.online++;
    // Oldest first: buffered readings, then the one held for the first CONNACK (it is newer than any buffered one).
    // A buffered reading waited by design (offline, asleep): its send is due now, so its latency and lag count from
    // now; the held one was due to be sent at its own time, so it counts from then (coordinated omission stays visible).
    if (d.buffer !== undefined && d.buffer.size > 0) {
      for (const b of d.buffer.drain()) {
        this.recorder.count('telemetry.flushed');
        this.recorder.observe('telemetry.buffer_age', (now - b.at) * 1000);
        this.publish(d, now, now, b.readings, b.seq);
      }
    }
    if (d.heldSendAt !== undefined) {
      // A reading fell due before the first CONNACK: send it now, still measured from its intended time.
      const heldAt = d.heldSendAt;
      d.heldSendAt = undefined;
      this.publish(d, heldAt, now, d.read(this.modelTime(heldAt)));
    }
    if (d.sleeper) {
      d.sleepWhenIdle = true;
      if (d.pendingCount === 0) this.sleep(d);
    }
  }

  /** Deep sleep: the wake's work is acknowledged; disconnect cleanly (radio off) until a wake connects again. */
  private sleep(d: DeviceRuntime): void {
    d.sleepWhenIdle = false;
    if (d.status !== 'online') return;
    this.online--;
    const conn = d.conn;
    d.conn = undefined;
    d.status = 'asleep';
    d.connGen++; // its close is not a lost connection
    if (conn !== undefined) void conn.close();
  }

  /**
   * A reboot (watchdog reset, or the reboot command): power is cut, so the connection drops without a
   * DISCONNECT and RAM is lost (store-and-forward readings are counted as dropped, command settings revert); the
   * device boots for mcu.bootTime, skipping the readings due meanwhile, then connects again. The telemetry schedule
   * keeps its phase, and the model (the physical world) runs on.
   */
  private reboot(d: DeviceRuntime, at: number, watchdog: boolean): void {
    if (this.draining || this.finished || d.status === 'dead') return;
    const bootMs = d.fleet.plan.mcu.bootMs;
    if (watchdog && d.mcu !== undefined) {
      this.scheduler.at(d.mcu.nextResetAfter(at + bootMs - this.t0) + this.t0, { kind: 'reboot', device: d, watchdog: true });
    }
    this.recorder.count('device.reboots');
    if (d.status === 'online') this.online--;
    const conn = d.conn;
    d.conn = undefined;
    d.connGen++; // stale connects, drops and closes drop out
    if (conn !== undefined) conn.drop();
    if (d.heldSendAt !== undefined) this.offline(d, d.heldSendAt); // it was due before the reset
    d.heldSendAt = undefined;
    for (const b of d.buffer?.drain() ?? []) {
      this.recorder.count('telemetry.dropped');
      d.addFailed(b.seq);
    }
    d.sleepWhenIdle = false;
    d.attempt = 0;
    d.forgetRam();
    d.status = 'booting';
    this.scheduler.at(at + bootMs, { kind: 'connect', device: d, gen: d.connGen }); // on the timeline, as in virtual time
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

  /** A command the hub sent (method, desired property, C2D): counted by kind, run through the command interface. */
  private downlink(d: DeviceRuntime, kind: 'method' | 'desired' | 'c2d', cmd: DeviceCommand | undefined): CommandResult | undefined {
    this.recorder.count(kind === 'method' ? 'downlink.methods' : kind === 'desired' ? 'downlink.desired' : 'downlink.c2d');
    return cmd === undefined ? undefined : this.command(d, cmd);
  }

  /** This shard's device with `deviceId`, if it has it. */
  device(deviceId: string): DeviceRuntime | undefined {
    return this.devices.find((d) => d.deviceId === deviceId);
  }

  private onConnectFailed(d: DeviceRuntime, gen: number, err: unknown): void {
    if (this.finished || gen !== d.connGen) return;
    this.recorder.count('connect.failed');
    this.recorder.error('connect', failureCode(err));
    d.status = 'offline';
    this.retry(d);
  }

  private onClose(d: DeviceRuntime, gen: number, info: CloseInfo): void {
    if (gen !== d.connGen) return;
    if (d.status === 'online') this.online--;
    d.conn = undefined;
    if (this.finished || this.draining) {
      d.status = 'stopped';
      return;
    }
    this.recorder.count('device.disconnects');
    this.recorder.error('disconnect', d.dropping ? 'STORM' : info.code);
    d.dropping = false;
    d.status = 'offline';
    d.connGen++;
    this.retry(d);
  }

  private retry(d: DeviceRuntime): void {
    const max = d.fleet.plan.reconnect.maxAttempts;
    if (max !== null && d.attempt >= max) {
      d.status = 'failed';
      this.recorder.error('connect', 'GAVE_UP');
      return;
    }
    const delay = d.backoffMs();
    d.attempt++;
    this.scheduler.at(this.deps.clock.now() + delay, { kind: 'connect', device: d, gen: d.connGen });
  }

  private send(d: DeviceRuntime, at: number, now: number): void {
    if (this.draining || d.status === 'dead') return;
    if (d.modelDead) {
      this.die(d);
      return;
    }
    this.scheduler.at(at + d.nextIntervalMs(this.multiplier), { kind: 'send', device: d });
    if (d.status === 'booting') this.recorder.count('telemetry.skipped');
    else if (d.sleeper && d.status !== 'online') this.wake(d, at, now);
    else if (d.status === 'online') this.publish(d, at, now, d.read(this.modelTime(at)));
    else if ((d.status === 'connecting' || d.status === 'idle') && !d.everOnline) {
      // Before the first CONNACK: hold the newest reading for it (sent then, latency still from its intended time).
      if (d.heldSendAt !== undefined) this.offline(d, d.heldSendAt);
      d.heldSendAt = at;
    } else this.offline(d, at);
  }

  /** A reading due while not connected: kept in the store-and-forward buffer when there is one, else skipped. */
  private offline(d: DeviceRuntime, at: number): void {
    if (d.fleet.plan.telemetry.bufferSize > 0) this.store(d, at);
    else this.recorder.count('telemetry.skipped');
  }

  /**
   * A deep sleeper wakes and samples into its buffer; every connectEvery-th wake also connects, and the connection
   * flushes the buffer, then the device sleeps again once everything is acknowledged (see onConnected, onAck).
   */
  private wake(d: DeviceRuntime, at: number, now: number): void {
    d.wakes++;
    this.store(d, at); // sampled now, kept in RAM until the radio is up
    const due = d.wakes % d.fleet.plan.mcu.connectEvery === 0;
    if (!due || !(d.status === 'asleep' || d.status === 'failed' || d.status === 'idle')) return;
    if (d.status === 'failed') d.attempt = 0; // a new wake, a new round of attempts
    d.status = 'asleep';
    this.connect(d, at, now);
  }

  /** The model died (battery exhausted): stop for good, close the connection, never reconnect. */
  private die(d: DeviceRuntime): void {
    if (d.status === 'online') this.online--;
    const conn = d.conn;
    d.conn = undefined;
    d.status = 'dead';
    d.connGen++; // stale connect, drop and close events now drop out
    this.recorder.count('device.dead');
    if (conn !== undefined) void conn.close();
  }

  /** Offline with store-and-forward: take the reading now (at its intended time), send it on reconnect. */
  private store(d: DeviceRuntime, at: number): void {
    const readings = d.read(this.modelTime(at));
    this.recorder.count('telemetry.buffered');
    const evicted = d.store({ at, seq: d.seq, readings });
    if (evicted === undefined) return;
    this.recorder.count('telemetry.dropped');
    d.addFailed(evicted.seq);
  }

  /** Publish reading d.seq; latency is measured from its intended time `at`, not from now. */
  private publish(d: DeviceRuntime, at: number, now: number, readings: Readings, seq = d.seq): void {
    const conn = d.conn as Connection;
    const lagMs = now - at;
    this.recorder.observe('schedule.lag', lagMs * 1000);
    if (lagMs > this.plan.report.lateThresholdMs) this.recorder.count('telemetry.late');
    const payload = d.payload(seq, readings, now);
    d.addPending(seq);
    this.pendingTotal++;
    this.recorder.count('telemetry.sent');
    conn.publish(d.topic, payload, d.fleet.plan.transport.qos, (err) => this.onAck(d, seq, at, now, err));
  }

  private onAck(d: DeviceRuntime, seq: number, intendedAt: number, sentAt: number, err: Error | undefined): void {
    // After the shard finished, what is still pending was counted as in flight at stop: leave it there.
    if (this.finished || !d.settlePending(seq)) return;
    this.pendingTotal--;
    if (d.sleepWhenIdle && d.pendingCount === 0) this.sleep(d);
    if (err !== undefined) {
      d.addFailed(seq);
      this.recorder.count('telemetry.failed');
      this.recorder.error('telemetry', failureCode(err));
      return;
    }
    const now = this.deps.clock.now();
    this.recorder.count('telemetry.acked');
    this.recorder.observe('telemetry.latency', (now - intendedAt) * 1000);
    this.recorder.observe('telemetry.service_time', (now - sentAt) * 1000);
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
    this.recorder.gauge('devices.connected', this.online);
    this.recorder.gauge('telemetry.inflight', this.pendingTotal);
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
    this.resolveDone({ shard: this.shard.index, intervals: this.intervals, ledger: this.ledger() });
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
