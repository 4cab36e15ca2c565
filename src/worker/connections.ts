import type { Clock } from '../core/clock.js';
import { failureCode } from '../core/errors.js';
import type { MetricsRecorder } from '../metrics/recorder.js';
import type { RunPlan } from '../scenario/plan.js';
import { endpointOf } from '../scenario/endpoints.js';
import type { CommandResult, DeviceCommand } from '../devices/model.js';
import type { CloseInfo, Connection } from '../transports/transport.js';
import type { DeviceRuntime } from './device.js';
import type { ShardEvent } from './events.js';
import type { Scheduler } from './scheduler.js';
import type { SecureOsRuntime } from './secure-os.js';
import type { Telemetry } from './telemetry.js';

/** What a shard's connection lifecycle needs: its shared parts, and the shard's state it reads. */
export interface ConnectionsDeps {
  readonly plan: RunPlan;
  readonly recorder: MetricsRecorder;
  readonly clock: Clock;
  /** The shard's timeline: (re)connect attempts and watchdog resets go on it. */
  readonly scheduler: Scheduler<ShardEvent>;
  /** Readings that waited for a connection are sent through it. */
  readonly telemetry: Telemetry;
  readonly secure: SecureOsRuntime | undefined;
  readonly draining: () => boolean;
  readonly finished: () => boolean;
  /** The run's start on the clock (ms): watchdog resets are drawn on the run's timeline. */
  readonly t0: () => number;
  /** The shard's command interface, for commands the hub sends. */
  readonly command: (d: DeviceRuntime, command: DeviceCommand) => CommandResult;
}

/**
 * The connection lifecycle of a shard's devices: connect, connected (flushing what waited), failed, closed, retry
 * with backoff, deep sleep and wake, reboot, death. Owns the shard's count of online devices.
 */
export class Connections {
  /** Devices online now (the devices.connected gauge). */
  online = 0;

  constructor(private readonly deps: ConnectionsDeps) {}

  connect(d: DeviceRuntime, at: number, now: number): void {
    const { recorder, plan } = this.deps;
    if (this.deps.draining() || d.status === 'connecting' || d.status === 'online') return;
    recorder.observe('schedule.lag', (now - at) * 1000);
    d.status = 'connecting';
    const gen = ++d.connGen;
    recorder.count('connect.attempts');
    const startedAt = this.deps.clock.now();
    // Fan-out (several endpoints, a source-address pool) places the device by its index; a fleet's own URL wins.
    const endpoint = d.fleet.plan.transport.url === undefined ? endpointOf(plan.target, d.index) : undefined;
    const attest = this.deps.secure?.attestHook(d);
    d.fleet.transport
      .connect({
        ...(endpoint === undefined ? {} : { endpoint }),
        ...(attest === undefined ? {} : { attest }),
        identity: d.identity,
        onClose: (info) => this.onClose(d, gen, info),
        onDownlink: (kind, cmd) => this.downlink(d, kind, cmd),
        onProvisioned: (ms) => recorder.observe('provision.latency', ms * 1000),
      })
      .then(
        (conn) => this.onConnected(d, gen, conn, startedAt),
        (err: unknown) => this.onConnectFailed(d, gen, err),
      );
  }

  /** A disconnect storm drops this connection (if it is still the one scheduled for). */
  drop(d: DeviceRuntime, gen: number): void {
    if (gen === d.connGen && d.conn !== undefined) {
      d.dropping = true;
      d.conn.drop();
    }
  }

  /** Deep sleep: the wake's work is acknowledged; disconnect cleanly (radio off) until a wake connects again. */
  sleep(d: DeviceRuntime): void {
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
   * A deep sleeper wakes and samples into its buffer; every connectEvery-th wake also connects, and the connection
   * flushes the buffer, then the device sleeps again once everything is acknowledged (see onConnected, Telemetry).
   */
  wake(d: DeviceRuntime, at: number, now: number): void {
    d.wakes++;
    this.deps.telemetry.store(d, at); // sampled now, kept in RAM until the radio is up
    const due = d.wakes % d.fleet.plan.mcu.connectEvery === 0;
    if (!due || !(d.status === 'asleep' || d.status === 'failed' || d.status === 'idle')) return;
    if (d.status === 'failed') d.attempt = 0; // a new wake, a new round of attempts
    d.status = 'asleep';
    this.connect(d, at, now);
  }

  /**
   * A reboot (watchdog reset, or the reboot command): power is cut, so the connection drops without a
   * DISCONNECT and RAM is lost (store-and-forward readings are counted as dropped, command settings revert); the
   * device boots for mcu.bootTime, skipping the readings due meanwhile, then connects again. The telemetry schedule
   * keeps its phase, and the model (the physical world) runs on.
   */
  reboot(d: DeviceRuntime, at: number, watchdog: boolean): void {
    if (this.deps.draining() || this.deps.finished() || d.status === 'dead') return;
    const { scheduler } = this.deps;
    const bootMs = d.fleet.plan.mcu.bootMs;
    if (watchdog && d.mcu !== undefined) {
      const t0 = this.deps.t0();
      scheduler.at(d.mcu.nextResetAfter(at + bootMs - t0) + t0, { kind: 'reboot', device: d, watchdog: true });
    }
    this.deps.recorder.count('device.reboots');
    if (d.status === 'online') this.online--;
    const conn = d.conn;
    d.conn = undefined;
    d.connGen++; // stale connects, drops and closes drop out
    if (conn !== undefined) conn.drop();
    this.deps.telemetry.loseRam(d);
    d.sleepWhenIdle = false;
    d.attempt = 0;
    d.forgetRam();
    this.deps.secure?.onReboot(d);
    d.status = 'booting';
    scheduler.at(at + bootMs, { kind: 'connect', device: d, gen: d.connGen }); // on the timeline, as in virtual time
  }

  /** The model died (battery exhausted): stop for good, close the connection, never reconnect. */
  die(d: DeviceRuntime): void {
    if (d.status === 'online') this.online--;
    const conn = d.conn;
    d.conn = undefined;
    d.status = 'dead';
    d.connGen++; // stale connect, drop and close events now drop out
    this.deps.recorder.count('device.dead');
    if (conn !== undefined) void conn.close();
  }

  private onConnected(d: DeviceRuntime, gen: number, conn: Connection, startedAt: number): void {
    if (this.deps.finished()) {
      void conn.close();
      return;
    }
    const { recorder } = this.deps;
    const now = this.deps.clock.now();
    // It got its CONNACK, whatever the device does with it: connect.attempts = ok + failed (+ in flight at the end).
    recorder.count('connect.ok');
    recorder.observe('connect.latency', (now - startedAt) * 1000);
    if (this.deps.draining() || gen !== d.connGen) {
      void conn.close(); // the run is draining, or the device moved on (a reboot cut this attempt)
      return;
    }
    if (d.everOnline && !d.sleeper) recorder.count('device.reconnects'); // a sleeper's wakes are not reconnects
    d.everOnline = true;
    d.status = 'online';
    d.conn = conn;
    d.attempt = 0;
    this.online++;
    this.deps.telemetry.flushOnConnect(d, now);
    if (d.sleeper) {
      d.sleepWhenIdle = true;
      if (d.pendingCount === 0) this.sleep(d);
    }
  }

  private onConnectFailed(d: DeviceRuntime, gen: number, err: unknown): void {
    if (this.deps.finished() || gen !== d.connGen) return;
    this.deps.recorder.count('connect.failed');
    this.deps.recorder.error('connect', failureCode(err));
    d.status = 'offline';
    this.retry(d);
  }

  private onClose(d: DeviceRuntime, gen: number, info: CloseInfo): void {
    if (gen !== d.connGen) return;
    if (d.status === 'online') this.online--;
    d.conn = undefined;
    if (this.deps.finished() || this.deps.draining()) {
      d.status = 'stopped';
      return;
    }
    this.deps.recorder.count('device.disconnects');
    this.deps.recorder.error('disconnect', d.dropping ? 'STORM' : info.code);
    d.dropping = false;
    d.status = 'offline';
    d.connGen++;
    this.retry(d);
  }

  private retry(d: DeviceRuntime): void {
    const max = d.fleet.plan.reconnect.maxAttempts;
    if (max !== null && d.attempt >= max) {
      d.status = 'failed';
      this.deps.recorder.error('connect', 'GAVE_UP');
      return;
    }
    const delay = d.backoffMs();
    d.attempt++;
    this.deps.scheduler.at(this.deps.clock.now() + delay, { kind: 'connect', device: d, gen: d.connGen });
  }

  /** A command the hub sent (method, desired property, C2D): counted by kind, run through the command interface. */
  private downlink(d: DeviceRuntime, kind: 'method' | 'desired' | 'c2d', cmd: DeviceCommand | undefined): CommandResult | undefined {
    this.deps.recorder.count(kind === 'method' ? 'downlink.methods' : kind === 'desired' ? 'downlink.desired' : 'downlink.c2d');
    return cmd === undefined ? undefined : this.deps.command(d, cmd);
  }
}
