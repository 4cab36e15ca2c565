import type { Rng } from '../core/rng.js';
import type { ChannelSensors } from '../devices/channel-sensors.js';
import type { AnyDeviceModel, Readings } from '../devices/model.js';
import type { Mcu } from '../devices/mcu/mcu.js';
import { RingBuffer } from '../devices/mcu/ring-buffer.js';
import { encodeTelemetry } from '../devices/payload.js';
import type { FleetPlan } from '../scenario/plan.js';
import type { Connection, DeviceIdentity, Transport } from '../transports/transport.js';

/** A reading taken while offline: its intended time, sequence number and values. */
export interface BufferedReading {
  readonly at: number;
  readonly seq: number;
  readonly readings: Readings;
}

/** booting: powered on or rebooting, not yet connecting; asleep: deep sleep between wakes (radio off). */
export type DeviceStatus = 'idle' | 'booting' | 'connecting' | 'online' | 'asleep' | 'offline' | 'failed' | 'dead' | 'stopped';

/** What devices of one fleet share: plan, model, transport. */
export interface FleetContext {
  readonly plan: FleetPlan;
  readonly model: AnyDeviceModel;
  readonly transport: Transport;
}

/**
 * The live state of one simulated device in a shard. Behaviour lives in the model (pure) and in the shard's event
 * handlers; this is data plus the few helpers that touch only this device.
 */
export class DeviceRuntime {
  status: DeviceStatus = 'idle';
  conn: Connection | undefined;
  /** Bumped whenever a connection attempt starts or ends: stale scheduled events compare and drop out. */
  connGen = 0;
  /** Consecutive failed connection attempts (the backoff exponent). */
  attempt = 0;
  everOnline = false;
  /** Set just before fleetsim drops the connection on purpose (disconnect storm). */
  dropping = false;
  /** Intended time of a first reading that fell due while the first connection was still being made. */
  heldSendAt: number | undefined;
  /** Last telemetry sequence number sent (1-based). */
  seq = 0;
  /** Model time (epoch ms) at which the model was last stepped; set to the model time of the intended arrival. */
  lastStepAt = 0;
  /**
   * Sequences sent and not yet acked or failed, oldest first (acks mostly come in order, so a removal finds its
   * sequence at the front). An array created on the first publish, not a Set per device: see addPending.
   */
  private pendingSeqs: number[] | undefined;
  /** Sequences whose publish failed, or that were dropped from a full store-and-forward ring; created on first use. */
  private failedSeqs: number[] | undefined;
  /** Set by a setTelemetryInterval command. */
  private everyOverrideMs: number | undefined;
  /** Store-and-forward ring, created on first use. */
  buffer: RingBuffer<BufferedReading> | undefined;
  /** Deep sleep: wakes so far (every connectEvery-th one connects). */
  wakes = 0;
  /** Deep sleep: go back to sleep once nothing is pending on the connection of this wake. */
  sleepWhenIdle = false;

  constructor(
    /** Global index across all fleets. */
    readonly index: number,
    /** Index within its fleet. */
    readonly localIndex: number,
    readonly deviceId: string,
    readonly topic: string,
    readonly fleet: FleetContext,
    /** Timing stream: jitter, first-send offset, backoff. Separate from the model's, so timing never changes values. */
    readonly schedRng: Rng,
    readonly modelRng: Rng,
    public modelState: unknown,
    /** Sensor realism on channels (the fleet's sensors: map); undefined when the fleet has none. */
    readonly sensors: ChannelSensors | undefined,
    /** Clock and watchdog; undefined for an ideal MCU. */
    readonly mcu: Mcu | undefined,
  ) {}

  /** Who the device says it is when it connects: derived per connection attempt, not kept per device. */
  get identity(): DeviceIdentity {
    const t = this.fleet.plan.transport;
    return { deviceId: this.deviceId, clientId: this.deviceId, username: t.username, password: t.password };
  }

  /** Sequence `seq` was published and awaits its ack. */
  addPending(seq: number): void {
    (this.pendingSeqs ??= []).push(seq);
  }

  /** Sequence `seq` was acked or failed: false when it was not pending (already settled). */
  settlePending(seq: number): boolean {
    const p = this.pendingSeqs;
    if (p === undefined) return false;
    if (p[0] === seq) {
      p.shift();
      return true;
    }
    const i = p.indexOf(seq);
    if (i < 0) return false;
    p.splice(i, 1);
    return true;
  }

  /** Publishes awaiting their ack. */
  get pendingCount(): number {
    return this.pendingSeqs?.length ?? 0;
  }

  /** A sequence that will never be acked: its publish failed, or the ring dropped it. */
  addFailed(seq: number): void {
    (this.failedSeqs ??= []).push(seq);
  }

  /** For the ledger: failed, then still pending, then still buffered sequences (none of them acked). */
  unacked(): number[] {
    const stored = this.buffer?.peekAll() ?? [];
    const out = this.failedSeqs === undefined ? [] : [...this.failedSeqs];
    if (this.pendingSeqs !== undefined) out.push(...this.pendingSeqs);
    for (const b of stored) out.push(b.seq);
    return out;
  }

  /** Exponential backoff with full jitter: uniform(0, min(cap, base × 2^attempt)). */
  backoffMs(): number {
    const r = this.fleet.plan.reconnect;
    return this.schedRng.uniform(0, Math.min(r.capMs, r.baseMs * 2 ** Math.min(this.attempt, 30)));
  }

  /** Interval to the next intended send: every ÷ multiplier, ± uniform jitter. */
  nextIntervalMs(multiplier: number): number {
    const t = this.fleet.plan.telemetry;
    const jitter = t.jitterMs > 0 ? this.schedRng.uniform(-t.jitterMs, t.jitterMs) : 0;
    return Math.max(1, this.everyMs / multiplier + jitter);
  }

  /** The telemetry interval in force: the fleet's, until a setTelemetryInterval command changes it. */
  get everyMs(): number {
    return this.everyOverrideMs ?? this.fleet.plan.telemetry.everyMs;
  }

  set everyMs(ms: number) {
    this.everyOverrideMs = ms;
  }

  /** A reboot loses what lived in RAM: settings from commands. */
  forgetRam(): void {
    this.everyOverrideMs = undefined;
  }

  /** Whether this device sleeps between wakes (the fleet's mcu.sleep: deep). */
  get sleeper(): boolean {
    return this.fleet.plan.mcu.sleep === 'deep';
  }

  /**
   * Advance the model to model time `modelNowMs`, take the next sequence number, and read the sensors: the model's
   * channels, then the fleet's sensor realism on them, then the device clock (deviceTime) when it drifts.
   */
  read(modelNowMs: number): Readings {
    const model = this.fleet.model;
    const dtMs = modelNowMs - this.lastStepAt;
    this.modelState = model.step(this.modelState, modelNowMs, dtMs, this.modelRng);
    this.lastStepAt = modelNowMs;
    this.seq++;
    const readings = model.read(this.modelState);
    this.sensors?.apply(readings, modelNowMs, dtMs);
    if (this.mcu?.hasClock === true) readings.deviceTime = this.mcu.deviceTime(modelNowMs);
    return readings;
  }

  /** Whether the model has died (battery exhausted): the runtime stops the device for good. */
  get modelDead(): boolean {
    return this.fleet.model.dead?.(this.modelState) === true;
  }

  /** A payload for reading `seq`, stamped with the wall-clock send time (the observer measures e2e from it). */
  payload(seq: number, readings: Readings, sentAtEpochMs: number): string | Uint8Array {
    const ts = Math.round(sentAtEpochMs * 1000) / 1000;
    return encodeTelemetry(this.fleet.plan.telemetry.format, this.deviceId, seq, ts, readings);
  }

  /** Store a reading taken while offline; returns the evicted oldest one when the ring is full. */
  store(reading: BufferedReading): BufferedReading | undefined {
    this.buffer ??= new RingBuffer<BufferedReading>(this.fleet.plan.telemetry.bufferSize);
    return this.buffer.push(reading);
  }
}
