import type { Clock } from '../../core/clock.js';
import { IotHubError } from './errors.js';
import { isoMs } from './json.js';
import { notFound } from './registry.js';

/** Feedback requested by the sender (`iothub-ack`). */
export type C2dAck = 'none' | 'positive' | 'negative' | 'full';

/** A cloud-to-device message as the service sends it. */
export interface C2dSend {
  body: Uint8Array | string;
  messageId?: string;
  correlationId?: string;
  userId?: string;
  contentType?: string;
  contentEncoding?: string;
  ack?: C2dAck;
  /** Application properties, kept in insertion order for the topic. `null` = a bare key. */
  properties?: Record<string, string | null>;
  /** Time to live (default: the queue's default TTL); clamped to the maximum TTL. */
  ttlMs?: number;
  /** Absolute expiry (epoch ms); wins over ttlMs; clamped to enqueue time + maximum TTL. */
  expiryTimeMs?: number;
}

/** A queued message (a snapshot: mutating it does not change the queue). */
export interface C2dMessage {
  readonly deviceId: string;
  readonly sequenceNumber: number;
  readonly messageId: string | undefined;
  readonly correlationId: string | undefined;
  readonly userId: string | undefined;
  readonly contentType: string | undefined;
  readonly contentEncoding: string | undefined;
  readonly ack: C2dAck;
  readonly properties: Readonly<Record<string, string | null>>;
  readonly body: Buffer;
  readonly enqueuedMs: number;
  readonly expiryMs: number;
  /** Set when the sender gave an absolute expiry (then `$.exp` goes on the topic). */
  readonly explicitExpiry: boolean;
  /** Deliveries so far, including the current one. */
  readonly deliveryCount: number;
  /** Present while delivered and awaiting completion (PUBACK). */
  readonly lockToken: string | undefined;
}

/** Outcome kinds of a feedback record. */
export type C2dFeedbackStatus = 'Success' | 'Expired' | 'DeliveryCountExceeded' | 'Rejected';

/** A service-side feedback record (shape of IoT Hub's feedback batch entries). */
export interface C2dFeedbackRecord {
  originalMessageId: string;
  description: string;
  deviceGenerationId: string;
  deviceId: string;
  enqueuedTimeUtc: string;
  statusCode: C2dFeedbackStatus;
}

export interface C2dQueueOptions {
  clock: Clock;
  /** Registered devices only (404001 otherwise). Default: any id. */
  exists?: (deviceId: string) => boolean;
  /** For feedback records. */
  generationIdOf?: (deviceId: string) => string;
  /** Called when a device's pending count changes (feeds the registry's cloudToDeviceMessageCount). */
  onDepthChange?: (deviceId: string, depth: number) => void;
  maxDepth?: number;
  defaultTtlMs?: number;
  maxTtlMs?: number;
  maxDeliveryCount?: number;
  lockTimeoutMs?: number;
  maxBodyBytes?: number;
}

/** IoT Hub's C2D defaults (reference §2.2). */
export const C2D_DEFAULTS = {
  maxDepth: 50,
  defaultTtlMs: 3_600_000,
  maxTtlMs: 2 * 86_400_000,
  maxDeliveryCount: 10,
  lockTimeoutMs: 60_000,
  maxBodyBytes: 64 * 1024,
} as const;

interface Entry {
  msg: Omit<C2dMessage, 'deliveryCount' | 'lockToken'>;
  deliveryCount: number;
  lockToken: string | undefined;
  lockedUntilMs: number;
}

/** Counters for the run report. */
export interface C2dStats {
  enqueued: number;
  delivered: number;
  completed: number;
  redelivered: number;
  expired: number;
  deadLettered: number;
  rejectedQueueFull: number;
}

const WANTS: Record<C2dAck, readonly C2dFeedbackStatus[]> = {
  none: [],
  positive: ['Success'],
  negative: ['Expired', 'DeliveryCountExceeded', 'Rejected'],
  full: ['Success', 'Expired', 'DeliveryCountExceeded', 'Rejected'],
};

const DESCRIPTION: Record<C2dFeedbackStatus, string> = {
  Success: 'Success',
  Expired: 'Message Expired',
  DeliveryCountExceeded: 'Message delivery count exceeded',
  Rejected: 'Message rejected',
};

/**
 * Per-device cloud-to-device queues: depth ≤ 50 (403004), TTL with expiry, delivery counting up to the max
 * delivery count, locks (delivered = locked until completed by PUBACK; released on disconnect or lock timeout),
 * and feedback records for the service. Time comes from the clock; call `sweep()` (e.g. at `nextDeadline()`)
 * to expire and unlock without device traffic.
 */
export class C2dQueues {
  private readonly clock: Clock;
  private readonly o: Required<Omit<C2dQueueOptions, 'clock' | 'exists' | 'generationIdOf' | 'onDepthChange'>>;
  private readonly exists: (deviceId: string) => boolean;
  private readonly generationIdOf: (deviceId: string) => string;
  private readonly onDepthChange: ((deviceId: string, depth: number) => void) | undefined;
  private readonly queues = new Map<string, Entry[]>();
  private readonly feedback: C2dFeedbackRecord[] = [];
  private seq = 0;
  private lockSeq = 0;
  readonly stats: C2dStats = { enqueued: 0, delivered: 0, completed: 0, redelivered: 0, expired: 0, deadLettered: 0, rejectedQueueFull: 0 };

  constructor(options: C2dQueueOptions) {
    this.clock = options.clock;
    this.exists = options.exists ?? (() => true);
    this.generationIdOf = options.generationIdOf ?? (() => '');
    this.onDepthChange = options.onDepthChange;
    this.o = {
      maxDepth: options.maxDepth ?? C2D_DEFAULTS.maxDepth,
      defaultTtlMs: options.defaultTtlMs ?? C2D_DEFAULTS.defaultTtlMs,
      maxTtlMs: options.maxTtlMs ?? C2D_DEFAULTS.maxTtlMs,
      maxDeliveryCount: options.maxDeliveryCount ?? C2D_DEFAULTS.maxDeliveryCount,
      lockTimeoutMs: options.lockTimeoutMs ?? C2D_DEFAULTS.lockTimeoutMs,
      maxBodyBytes: options.maxBodyBytes ?? C2D_DEFAULTS.maxBodyBytes,
    };
  }

  /** Enqueue for a device: 404001 unknown device, 413001 body > 64 KB, 403004 queue full, 400004 bad TTL. */
  enqueue(deviceId: string, send: C2dSend): C2dMessage {
    if (!this.exists(deviceId)) throw notFound(deviceId);
    const body = typeof send.body === 'string' ? Buffer.from(send.body, 'utf8') : Buffer.from(send.body);
    if (body.length > this.o.maxBodyBytes) {
      throw new IotHubError('MessageTooLarge', `Message body is ${body.length} bytes, over the ${this.o.maxBodyBytes}-byte limit`);
    }
    if (send.ttlMs !== undefined && !(send.ttlMs > 0)) throw new IotHubError('ArgumentInvalid', `ttlMs must be positive, got ${send.ttlMs}`);
    const now = this.clock.now();
    this.expireDevice(deviceId, now);
    const q = this.queue(deviceId);
    if (q.length >= this.o.maxDepth) {
      this.stats.rejectedQueueFull++;
      throw new IotHubError('DeviceMaximumQueueDepthExceeded', `Device ${deviceId} already has ${q.length} messages pending (maximum ${this.o.maxDepth})`);
    }
    const latest = now + this.o.maxTtlMs;
    const expiryMs = Math.min(latest, send.expiryTimeMs ?? now + (send.ttlMs ?? this.o.defaultTtlMs));
    const entry: Entry = {
      msg: {
        deviceId,
        sequenceNumber: ++this.seq,
        messageId: send.messageId,
        correlationId: send.correlationId,
        userId: send.userId,
        contentType: send.contentType,
        contentEncoding: send.contentEncoding,
        ack: send.ack ?? 'none',
        properties: { ...(send.properties ?? {}) },
        body,
        enqueuedMs: now,
        expiryMs,
        explicitExpiry: send.expiryTimeMs !== undefined,
      },
      deliveryCount: 0,
      lockToken: undefined,
      lockedUntilMs: 0,
    };
    q.push(entry);
    this.stats.enqueued++;
    this.onDepthChange?.(deviceId, q.length);
    return snapshot(entry);
  }

  /**
   * Lock the oldest available message for delivery (deliveryCount + 1) and return it, or undefined. Expired
   * messages are dropped on the way; a message already delivered `maxDeliveryCount` times is dead-lettered.
   */
  next(deviceId: string): C2dMessage | undefined {
    const now = this.clock.now();
    this.expireDevice(deviceId, now);
    const q = this.queues.get(deviceId);
    if (q === undefined) return undefined;
    for (let i = 0; i < q.length; i++) {
      const e = q[i] as Entry;
      if (e.lockToken !== undefined) continue;
      if (e.deliveryCount >= this.o.maxDeliveryCount) {
        q.splice(i--, 1);
        this.stats.deadLettered++;
        this.record(e, 'DeliveryCountExceeded', now);
        this.changed(deviceId, q);
        continue;
      }
      if (e.deliveryCount > 0) this.stats.redelivered++;
      e.deliveryCount++;
      e.lockToken = this.newLockToken();
      e.lockedUntilMs = now + this.o.lockTimeoutMs;
      this.stats.delivered++;
      return snapshot(e);
    }
    return undefined;
  }

  /** Complete a delivered message (MQTT PUBACK); positive feedback if asked. 412002 if the lock is unknown or lost. */
  complete(deviceId: string, lockToken: string): void {
    const e = this.take(deviceId, lockToken);
    this.stats.completed++;
    this.record(e, 'Success', this.clock.now());
  }

  /** Reject a delivered message (HTTPS only): dead-lettered with negative feedback. 412002 if the lock is unknown. */
  reject(deviceId: string, lockToken: string): void {
    const e = this.take(deviceId, lockToken);
    this.stats.deadLettered++;
    this.record(e, 'Rejected', this.clock.now());
  }

  /** Abandon a delivered message (HTTPS only): back to the queue for redelivery. 412002 if the lock is unknown. */
  abandon(deviceId: string, lockToken: string): void {
    const e = this.locked(deviceId, lockToken);
    e.lockToken = undefined;
  }

  /** Unlock every delivered, unacknowledged message of a device (it disconnected): they will be redelivered. */
  releaseAll(deviceId: string): number {
    let n = 0;
    for (const e of this.queues.get(deviceId) ?? []) {
      if (e.lockToken !== undefined) {
        e.lockToken = undefined;
        n++;
      }
    }
    return n;
  }

  /** Expire stale messages and time out locks on every queue; returns how many messages expired. */
  sweep(): number {
    const now = this.clock.now();
    let n = 0;
    for (const id of [...this.queues.keys()]) n += this.expireDevice(id, now);
    return n;
  }

  /** Earliest expiry or lock timeout across all queues (when to call `sweep`), or undefined if nothing is queued. */
  nextDeadline(): number | undefined {
    let t: number | undefined;
    for (const q of this.queues.values()) {
      for (const e of q) {
        const d = e.lockToken === undefined ? e.msg.expiryMs : e.lockedUntilMs;
        if (t === undefined || d < t) t = d;
      }
    }
    return t;
  }

  /** Pending messages (available + locked) of a device. */
  depth(deviceId: string): number {
    return this.queues.get(deviceId)?.length ?? 0;
  }

  /** Snapshots of a device's pending messages, oldest first. */
  peek(deviceId: string): C2dMessage[] {
    return (this.queues.get(deviceId) ?? []).map(snapshot);
  }

  /** Purge a device's queue (service API); returns the number removed. No feedback. */
  purge(deviceId: string): number {
    const n = this.depth(deviceId);
    this.queues.delete(deviceId);
    if (n > 0) this.onDepthChange?.(deviceId, 0);
    return n;
  }

  /** Forget a device (deleted from the registry). */
  deleteDevice(deviceId: string): void {
    this.queues.delete(deviceId);
  }

  /** Feedback records accumulated since the last drain, oldest first. */
  drainFeedback(): C2dFeedbackRecord[] {
    return this.feedback.splice(0);
  }

  private expireDevice(deviceId: string, now: number): number {
    const q = this.queues.get(deviceId);
    if (q === undefined) return 0;
    let expired = 0;
    for (let i = 0; i < q.length; i++) {
      const e = q[i] as Entry;
      if (e.lockToken !== undefined) {
        // A lock past its timeout returns the message to the queue (it is redelivered or expires).
        if (now < e.lockedUntilMs) continue;
        e.lockToken = undefined;
      }
      if (now >= e.msg.expiryMs) {
        q.splice(i--, 1);
        expired++;
        this.record(e, 'Expired', now);
      }
    }
    this.stats.expired += expired;
    if (expired > 0) this.changed(deviceId, q);
    return expired;
  }

  private take(deviceId: string, lockToken: string): Entry {
    const e = this.locked(deviceId, lockToken);
    const q = this.queues.get(deviceId) as Entry[];
    q.splice(q.indexOf(e), 1);
    this.changed(deviceId, q);
    return e;
  }

  private locked(deviceId: string, lockToken: string): Entry {
    this.expireDevice(deviceId, this.clock.now());
    const e = this.queues.get(deviceId)?.find((x) => x.lockToken === lockToken);
    if (e === undefined) throw new IotHubError('DeviceMessageLockLost', `Lock ${lockToken} of device ${deviceId} is unknown or lost`);
    return e;
  }

  private queue(deviceId: string): Entry[] {
    let q = this.queues.get(deviceId);
    if (q === undefined) {
      q = [];
      this.queues.set(deviceId, q);
    }
    return q;
  }

  private changed(deviceId: string, q: Entry[]): void {
    if (q.length === 0) this.queues.delete(deviceId);
    this.onDepthChange?.(deviceId, q.length);
  }

  private record(e: Entry, status: C2dFeedbackStatus, now: number): void {
    if (!WANTS[e.msg.ack].includes(status)) return;
    this.feedback.push({
      originalMessageId: e.msg.messageId ?? '',
      description: DESCRIPTION[status],
      deviceGenerationId: this.generationIdOf(e.msg.deviceId),
      deviceId: e.msg.deviceId,
      enqueuedTimeUtc: isoMs(now),
      statusCode: status,
    });
  }

  private newLockToken(): string {
    // GUID-shaped like IoT Hub's lock tokens, but a counter: deterministic.
    return `00000000-0000-4000-8000-${(++this.lockSeq).toString(16).padStart(12, '0')}`;
  }
}

/**
 * Topic properties of a delivered message, in the order IoT Hub puts them (`$.mid`, `$.cid`, `$.uid`, `$.to`,
 * `$.ct`, `$.ce`, `$.exp`, `iothub-ack`, then application properties). Values unencoded; `null` = bare key.
 */
export function c2dTopicProperties(msg: C2dMessage): [string, string | null][] {
  const out: [string, string | null][] = [];
  if (msg.messageId !== undefined) out.push(['$.mid', msg.messageId]);
  if (msg.correlationId !== undefined) out.push(['$.cid', msg.correlationId]);
  if (msg.userId !== undefined) out.push(['$.uid', msg.userId]);
  out.push(['$.to', `/devices/${msg.deviceId}/messages/devicebound`]);
  if (msg.contentType !== undefined) out.push(['$.ct', msg.contentType]);
  if (msg.contentEncoding !== undefined) out.push(['$.ce', msg.contentEncoding]);
  if (msg.explicitExpiry) out.push(['$.exp', isoMs(msg.expiryMs)]);
  out.push(['iothub-ack', msg.ack]);
  for (const [k, v] of Object.entries(msg.properties)) out.push([k, v]);
  return out;
}

function snapshot(e: Entry): C2dMessage {
  return { ...e.msg, deliveryCount: e.deliveryCount, lockToken: e.lockToken };
}
