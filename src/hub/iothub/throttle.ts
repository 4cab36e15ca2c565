import type { Clock } from '../../core/clock.js';
import { IotHubErrorCode } from './errors.js';

/** IoT Hub editions modelled (reference §5.1). B tiers share S limits but lack C2D/twins/methods: not modelled. */
export type Tier = 'F1' | 'S1' | 'S2' | 'S3';

/** Throttle classes (reference §5.2). Costs: 1 per operation, except `methods` (4 KB blocks, see methodCost). */
export type ThrottleClass = 'connections' | 'd2c' | 'twinReads' | 'twinUpdates' | 'methods' | 'c2d' | 'registry' | 'queries';

export const THROTTLE_CLASSES: readonly ThrottleClass[] = ['connections', 'd2c', 'twinReads', 'twinUpdates', 'methods', 'c2d', 'registry', 'queries'];

/** A tier's limits for a unit count. */
export interface TierLimits {
  tier: Tier;
  units: number;
  /** Sustained rate per class, in cost units per second. */
  ratePerSecond: Record<ThrottleClass, number>;
  /** Daily message quota in meter blocks (F1: per hub; others: per unit × units). */
  dailyMessages: number;
  /** Bytes per metered message block: 512 on F1, 4096 otherwise. */
  meterBytes: number;
}

const MAX_UNITS: Record<Tier, number> = { F1: 1, S1: 200, S2: 200, S3: 10 };
/** Classes whose documented limit is per minute: their default burst is a minute's worth. */
const PER_MINUTE: ReadonlySet<ThrottleClass> = new Set(['c2d', 'registry', 'queries']);
const DAY_MS = 86_400_000;

/** The §5 limits of a tier with `units` units (F1: exactly 1; S1/S2: 1..200; S3: 1..10). Throws RangeError otherwise. */
export function tierLimits(tier: Tier, units = 1): TierLimits {
  if (!Number.isInteger(units) || units < 1 || units > MAX_UNITS[tier]) {
    throw new RangeError(`${tier} takes 1 to ${MAX_UNITS[tier]} units, got ${units}`);
  }
  const u = units;
  const perMin = (n: number) => n / 60;
  const r: Record<ThrottleClass, number> =
    tier === 'S3'
      ? { connections: 6000 * u, d2c: 6000 * u, twinReads: 500 * u, twinUpdates: 250 * u, methods: 6000 * u, c2d: perMin(5000 * u), registry: perMin(5000 * u), queries: perMin(1000 * u) }
      : tier === 'S2'
        ? { connections: 120 * u, d2c: 120 * u, twinReads: Math.max(100, 10 * u), twinUpdates: Math.max(50, 5 * u), methods: 120 * u, c2d: perMin(100 * u), registry: perMin(100 * u), queries: perMin(20 * u) }
        : { connections: Math.max(100, 12 * u), d2c: Math.max(100, 12 * u), twinReads: 100, twinUpdates: 50, methods: 40 * u, c2d: perMin(100 * u), registry: perMin(100 * u), queries: perMin(20 * u) };
  const daily = tier === 'F1' ? 8000 : tier === 'S1' ? 400_000 * u : tier === 'S2' ? 6_000_000 * u : 300_000_000 * u;
  return { tier, units, ratePerSecond: r, dailyMessages: daily, meterBytes: tier === 'F1' ? 512 : 4096 };
}

/** Cost of a direct method call for the `methods` class: its 4 KB blocks (160 KB/s/unit on S1 = 40 blocks/s). */
export function methodCost(payloadBytes: number): number {
  return Math.max(1, Math.ceil(payloadBytes / 4096));
}

/**
 * An admission decision. `shape`: accept after `delayMs` (delay the PUBACK/CONNACK/response). `reject`: the bounded
 * queue is full (429001: over MQTT close the connection or CONNACK 3, over HTTP 429 with a 429001 body) or the daily
 * quota is spent (403002: refuse connects, drop connections, fail requests until the next UTC day).
 */
export type Admission =
  | { outcome: 'accept'; delayMs: 0 }
  | { outcome: 'shape'; delayMs: number }
  | { outcome: 'reject'; errorCode: number; retryAfterMs: number };

/** Per-class knobs. */
export interface BucketOptions {
  ratePerSecond?: number;
  /** Burst accepted without delay, in seconds of rate (default 1; 60 for per-minute classes). */
  burstSeconds?: number;
  /** Longest shaping delay before rejecting, in seconds (default 60: "fine for a minute or two, then 429s"). */
  queueSeconds?: number;
}

export interface ThrottleOptions {
  clock: Clock;
  tier: Tier;
  units?: number;
  defaults?: Omit<BucketOptions, 'ratePerSecond'>;
  classes?: Partial<Record<ThrottleClass, BucketOptions>>;
}

/** Counters of one class for the report. */
export interface ClassStats {
  accepted: number;
  shaped: number;
  rejected: number;
  maxDelayMs: number;
}

interface Bucket {
  rate: number;
  capacity: number;
  queueMs: number;
  tokens: number;
  at: number;
}

/**
 * IoT Hub throttling as pure arithmetic on the injected clock: a token bucket per class whose debt is the shaping
 * queue (requests over the burst are delayed at the sustained rate; once the delay would exceed the queue bound they
 * are rejected), and a daily message quota in meter blocks that resets at 00:00 UTC.
 */
export class Throttle {
  readonly limits: TierLimits;
  private readonly clock: Clock;
  private readonly buckets = new Map<ThrottleClass, Bucket>();
  private day: number;
  private used = 0;
  readonly stats: Record<ThrottleClass, ClassStats>;
  readonly quotaStats = { chargedBlocks: 0, rejected: 0, connectsRefused: 0 };

  constructor(options: ThrottleOptions) {
    this.clock = options.clock;
    this.limits = tierLimits(options.tier, options.units ?? 1);
    const now = this.clock.now();
    this.day = Math.floor(now / DAY_MS);
    this.stats = {} as Record<ThrottleClass, ClassStats>;
    for (const cls of THROTTLE_CLASSES) {
      const o = { ...options.defaults, ...options.classes?.[cls] };
      const rate = o.ratePerSecond ?? this.limits.ratePerSecond[cls];
      const burstSeconds = o.burstSeconds ?? (PER_MINUTE.has(cls) ? 60 : 1);
      const capacity = Math.max(1, rate * burstSeconds);
      this.buckets.set(cls, { rate, capacity, queueMs: (o.queueSeconds ?? 60) * 1000, tokens: capacity, at: now });
      this.stats[cls] = { accepted: 0, shaped: 0, rejected: 0, maxDelayMs: 0 };
    }
  }

  /** Ask to perform `cost` units of a class now: accept, shape (with the delay to apply) or reject (429001). */
  take(cls: ThrottleClass, cost = 1): Admission {
    const b = this.bucket(cls);
    const st = this.stats[cls];
    const after = b.tokens - cost;
    const delayMs = after >= 0 ? 0 : (-after / b.rate) * 1000;
    if (delayMs > b.queueMs) {
      st.rejected++;
      return { outcome: 'reject', errorCode: IotHubErrorCode.ThrottlingException, retryAfterMs: Math.ceil(delayMs - b.queueMs) };
    }
    b.tokens = after;
    if (delayMs === 0) {
      st.accepted++;
      return { outcome: 'accept', delayMs: 0 };
    }
    st.shaped++;
    if (delayMs > st.maxDelayMs) st.maxDelayMs = delayMs;
    return { outcome: 'shape', delayMs };
  }

  /** A new device connection: 403002 while the daily quota is exhausted, else the `connections` bucket. */
  admitConnection(): Admission {
    if (this.quotaExhausted()) {
      this.quotaStats.connectsRefused++;
      return { outcome: 'reject', errorCode: IotHubErrorCode.IotHubQuotaExceeded, retryAfterMs: this.msToNextDay() };
    }
    return this.take('connections');
  }

  /** Meter blocks of a message of `bytes` (at least one): 6 KB on S1 = 2 messages. */
  meterBlocks(bytes: number): number {
    return Math.max(1, Math.ceil(bytes / this.limits.meterBytes));
  }

  /**
   * Count a billable message against the daily quota. Refused (403002, nothing counted) if its blocks do not fit in
   * what is left today.
   */
  chargeDaily(bytes: number): { ok: true; blocks: number } | { ok: false; errorCode: number; blocks: number } {
    this.rollDay();
    const blocks = this.meterBlocks(bytes);
    if (this.used + blocks > this.limits.dailyMessages) {
      this.quotaStats.rejected++;
      return { ok: false, errorCode: IotHubErrorCode.IotHubQuotaExceeded, blocks };
    }
    this.used += blocks;
    this.quotaStats.chargedBlocks += blocks;
    return { ok: true, blocks };
  }

  /** Give back blocks charged today for an operation that did not happen after all (e.g. dropped while shaped). */
  refundDaily(blocks: number): void {
    this.rollDay();
    const back = Math.min(blocks, this.used);
    this.used -= back;
    this.quotaStats.chargedBlocks -= back;
  }

  /** True when today's quota is used up (the hub refuses connects and drops live connections). */
  quotaExhausted(): boolean {
    this.rollDay();
    return this.used >= this.limits.dailyMessages;
  }

  /** Blocks used today and the quota. */
  daily(): { used: number; quota: number; resetsInMs: number } {
    this.rollDay();
    return { used: this.used, quota: this.limits.dailyMessages, resetsInMs: this.msToNextDay() };
  }

  private msToNextDay(): number {
    return (this.day + 1) * DAY_MS - this.clock.now();
  }

  private rollDay(): void {
    const d = Math.floor(this.clock.now() / DAY_MS);
    if (d !== this.day) {
      this.day = d;
      this.used = 0;
    }
  }

  private bucket(cls: ThrottleClass): Bucket {
    const b = this.buckets.get(cls) as Bucket;
    const now = this.clock.now();
    if (now > b.at) {
      b.tokens = Math.min(b.capacity, b.tokens + ((now - b.at) / 1000) * b.rate);
      b.at = now;
    }
    return b;
  }
}
