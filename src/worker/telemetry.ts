import type { Clock } from '../core/clock.js';
import { failureCode } from '../core/errors.js';
import type { MetricsRecorder } from '../metrics/recorder.js';
import type { Readings } from '../devices/model.js';
import type { Connection } from '../transports/transport.js';
import type { DeviceRuntime } from './device.js';
import { PendingPublishes } from './pending-publishes.js';
import type { SecureOsRuntime } from './secure-os.js';

/** What the telemetry path needs from its shard. */
export interface TelemetryHost {
  /** The shard finished: acks that come later stay counted as in flight. */
  finished(): boolean;
  /** Put a deep sleeper to sleep once its wake's work is acknowledged (the connection lifecycle's). */
  sleep(d: DeviceRuntime): void;
  /** Model time of an intended time on the run's timeline. */
  modelTime(at: number): number;
}

/**
 * The telemetry path of one shard: readings published (latency from their intended time), acked or failed, held for
 * the first CONNACK, or kept in the store-and-forward buffer while offline. Owns the shard's in-flight total.
 */
export class Telemetry {
  /** Publishes awaiting their ack, over the shard's devices: the drain waits for 0 (the telemetry.inflight gauge). */
  inFlight = 0;
  private readonly pending = new PendingPublishes<DeviceRuntime>();
  /** The one ack callback of every publish: its ref is the publish's slot in `pending`. */
  private readonly acked = (err: Error | undefined, slot: number): void => this.onAck(slot, err);

  constructor(
    private readonly recorder: MetricsRecorder,
    private readonly clock: Clock,
    /** report.lateThresholdMs: a publish lagging its intended time by more counts as telemetry.late. */
    private readonly lateThresholdMs: number,
    /** Secure-OS fleets' runtime (undefined without them): a quarantined device never sends telemetry. */
    private readonly secure: SecureOsRuntime | undefined,
    private readonly host: TelemetryHost,
  ) {}

  /** A secure-OS device connected with an update-only credential: it may fetch firmware, never send telemetry. */
  quarantined(d: DeviceRuntime): boolean {
    return this.secure !== undefined && this.secure.state(d)?.quarantined === true;
  }

  /** Before the first CONNACK: hold the newest reading for it (sent then, latency still from its intended time). */
  hold(d: DeviceRuntime, at: number): void {
    if (d.heldSendAt !== undefined) this.offline(d, d.heldSendAt);
    d.heldSendAt = at;
  }

  /** A reading due while not connected: kept in the store-and-forward buffer when there is one, else skipped. */
  offline(d: DeviceRuntime, at: number): void {
    if (d.fleet.plan.telemetry.bufferSize > 0) this.store(d, at);
    else this.recorder.count('telemetry.skipped');
  }

  /** Offline with store-and-forward (or a deep sleeper's wake): take the reading now, at its intended time. */
  store(d: DeviceRuntime, at: number): void {
    const readings = d.read(this.host.modelTime(at));
    this.recorder.count('telemetry.buffered');
    const evicted = d.store({ at, seq: d.seq, readings });
    if (evicted === undefined) return;
    this.recorder.count('telemetry.dropped');
    d.addFailed(evicted.seq);
  }

  /**
   * The device just came online (at `now`): send what waited for the connection, oldest first: buffered readings,
   * then the one held for the first CONNACK (it is newer than any buffered one). A buffered reading waited by design
   * (offline, asleep): its send is due now, so its latency and lag count from now; the held one was due to be sent at
   * its own time, so it counts from then (coordinated omission stays visible).
   */
  flushOnConnect(d: DeviceRuntime, now: number): void {
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
      this.publish(d, heldAt, now, d.read(this.host.modelTime(heldAt)));
    }
  }

  /** A reboot cut the power: the held reading was due before the reset (offline), the buffered ones are lost. */
  loseRam(d: DeviceRuntime): void {
    if (d.heldSendAt !== undefined) this.offline(d, d.heldSendAt);
    d.heldSendAt = undefined;
    for (const b of d.buffer?.drain() ?? []) {
      this.recorder.count('telemetry.dropped');
      d.addFailed(b.seq);
    }
  }

  /** Publish reading `seq` (default d.seq); latency is measured from its intended time `at`, not from now. */
  publish(d: DeviceRuntime, at: number, now: number, readings: Readings, seq = d.seq): void {
    if (this.quarantined(d)) {
      this.recorder.count('telemetry.dropped'); // taken, never sent: the hub admits a quarantined device to firmware topics only
      d.addFailed(seq);
      return;
    }
    const conn = d.conn as Connection;
    const lagMs = now - at;
    this.recorder.observe('schedule.lag', lagMs * 1000);
    if (lagMs > this.lateThresholdMs) this.recorder.count('telemetry.late');
    const payload = d.payload(seq, readings, now);
    d.addPending(seq);
    this.inFlight++;
    this.recorder.count('telemetry.sent');
    conn.publish(d.topic, payload, d.fleet.plan.transport.qos, this.acked, this.pending.add(d, seq, at, now));
  }

  private onAck(slot: number, err: Error | undefined): void {
    const d = this.pending.device(slot);
    if (d === undefined) return;
    const seq = this.pending.seq(slot);
    const intendedAt = this.pending.intendedAt(slot);
    const sentAt = this.pending.sentAt(slot);
    this.pending.release(slot);
    // After the shard finished, what is still pending was counted as in flight at stop: leave it there.
    if (this.host.finished() || !d.settlePending(seq)) return;
    this.inFlight--;
    if (d.sleepWhenIdle && d.pendingCount === 0) this.host.sleep(d);
    if (err !== undefined) {
      d.addFailed(seq);
      this.recorder.count('telemetry.failed');
      this.recorder.error('telemetry', failureCode(err));
      return;
    }
    const now = this.clock.now();
    this.recorder.count('telemetry.acked');
    this.recorder.observe('telemetry.latency', (now - intendedAt) * 1000);
    this.recorder.observe('telemetry.service_time', (now - sentAt) * 1000);
  }
}
