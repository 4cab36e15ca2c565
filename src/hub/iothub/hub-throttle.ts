/**
 * The hub's throttling as one small API the gateways call (MQTT now, HTTPS device endpoints later): `admit(class,
 * deviceId, bytes)` → ok | delay ms | throttled, with the daily message quota charged in meter blocks on every
 * billable operation, and counters per class for the report. Off (always ok, nothing counted) without a tier.
 */
import type { Clock } from '../../core/clock.js';
import { IotHubError, IotHubErrorCode } from './errors.js';
import type { Timers } from './timers.js';
import type { ThrottleClassCounters, ThrottleCounters } from '../../metrics/hub-report.js';

export type { ThrottleCounters } from '../../metrics/hub-report.js';
import { THROTTLE_CLASSES, type ThrottleClass, Throttle, type Tier } from './throttle.js';

export type { ThrottleClass, Tier } from './throttle.js';

/**
 * `ok`: go ahead now. `delay`: go ahead after `ms` (delay the CONNACK, PUBACK or response: shaping). `throttled`:
 * refuse; `errorCode` 429001 (the shaping queue is full) or 403002 (the daily quota is spent). Over MQTT a refused
 * CONNECT gets CONNACK 3 and a refused publish closes the connection; twin requests get `$iothub/twin/res/429/`;
 * HTTP answers with the code's status and `{ errorCode, message }`.
 */
export type ThrottleDecision =
  | { readonly outcome: 'ok' }
  | { readonly outcome: 'delay'; readonly ms: number }
  | { readonly outcome: 'throttled'; readonly errorCode: number; readonly retryAfterMs: number };

export interface HubThrottleOptions {
  readonly clock: Clock;
  /** Undefined: throttling off. */
  readonly tier?: Tier | undefined;
  readonly units?: number | undefined;
  /**
   * Longest shaping delay before requests are throttled, in seconds (default 60). IoT Hub does not publish its queue
   * bound; its docs say a burst over the limit is "fine for a minute or two", then 429s.
   */
  readonly queueSeconds?: number | undefined;
  /** Called once when the day's quota runs out (the gateway then drops every device connection). */
  readonly onQuotaExhausted?: () => void;
}

/** Classes that count against the daily message quota (reference §5.1: every billable operation, in meter blocks). */
const BILLABLE: ReadonlySet<ThrottleClass> = new Set(['d2c', 'twinReads', 'twinUpdates', 'methods', 'c2d']);

export class HubThrottle {
  private readonly throttle: Throttle | undefined;
  private readonly queueSeconds: number;
  private readonly dropped = { throttle: 0, quota: 0 };
  private quotaExceeded = 0;
  private discarded = 0;
  private exhaustedDay = -1;

  constructor(private readonly o: HubThrottleOptions) {
    this.queueSeconds = o.queueSeconds ?? 60;
    this.throttle =
      o.tier === undefined ? undefined : new Throttle({ clock: o.clock, tier: o.tier, units: o.units ?? 1, defaults: { queueSeconds: this.queueSeconds } });
  }

  get enabled(): boolean {
    return this.throttle !== undefined;
  }

  /**
   * Admit one operation of a class for a device (`deviceId` is for the caller's records; IoT Hub's throttles are per
   * hub). `bytes`: the message size, for the daily quota's meter blocks (and the `methods` class, metered in 4 KB).
   */
  admit(cls: ThrottleClass, _deviceId?: string, bytes = 0): ThrottleDecision {
    const t = this.throttle;
    if (t === undefined) return OK;
    if (BILLABLE.has(cls) && t.quotaExhausted()) return this.overQuota(t);
    const cost = cls === 'methods' ? Math.max(1, Math.ceil(bytes / 4096)) : 1;
    const a = t.take(cls, cost);
    if (a.outcome === 'reject') return { outcome: 'throttled', errorCode: a.errorCode, retryAfterMs: a.retryAfterMs };
    if (BILLABLE.has(cls)) {
      const charged = t.chargeDaily(bytes);
      if (!charged.ok) return this.overQuota(t);
      this.checkExhausted(t);
    }
    return a.outcome === 'accept' ? OK : { outcome: 'delay', ms: a.delayMs };
  }

  /** A new device connection: 403002 while the daily quota is spent, else the `connections` rate. */
  admitConnection(): ThrottleDecision {
    const t = this.throttle;
    if (t === undefined) return OK;
    const a = t.admitConnection();
    // A quota refusal is counted by Throttle (connectsRefused), added to `exceeded` in counters().
    if (a.outcome === 'reject') return { outcome: 'throttled', errorCode: a.errorCode, retryAfterMs: a.retryAfterMs };
    return a.outcome === 'accept' ? OK : { outcome: 'delay', ms: a.delayMs };
  }

  /** The gateway closed a device connection because of throttling or the quota. */
  connectionDropped(why: 'throttle' | 'quota'): void {
    this.dropped[why]++;
  }

  /**
   * A shaped D2C message of `bytes` whose connection closed before its turn: counted as shaped when admitted, its
   * quota blocks are given back (it was never accepted).
   */
  shapedDiscarded(bytes: number): void {
    this.discarded++;
    const t = this.throttle;
    if (t !== undefined) t.refundDaily(t.meterBlocks(bytes));
  }

  /** Counters so far, or undefined when throttling is off. */
  counters(): ThrottleCounters | undefined {
    const t = this.throttle;
    if (t === undefined) return undefined;
    const classes = {} as Record<ThrottleClass, ThrottleClassCounters>;
    for (const cls of THROTTLE_CLASSES) {
      const s = t.stats[cls];
      classes[cls] = { accepted: s.accepted, shaped: s.shaped, throttled: s.rejected, maxDelayMs: Math.round(s.maxDelayMs) };
    }
    const day = t.daily();
    return {
      tier: t.limits.tier,
      units: t.limits.units,
      queueSeconds: this.queueSeconds,
      classes,
      droppedConnections: { ...this.dropped },
      shapedDiscarded: this.discarded,
      quota: {
        used: day.used,
        limit: day.quota,
        meterBytes: t.limits.meterBytes,
        exceeded: this.quotaExceeded + t.quotaStats.connectsRefused,
        connectsRefused: t.quotaStats.connectsRefused,
      },
    };
  }

  private overQuota(t: Throttle): ThrottleDecision {
    this.quotaExceeded++;
    return { outcome: 'throttled', errorCode: IotHubErrorCode.IotHubQuotaExceeded, retryAfterMs: t.daily().resetsInMs };
  }

  private checkExhausted(t: Throttle): void {
    if (!t.quotaExhausted()) return;
    const day = Math.floor(this.o.clock.now() / 86_400_000);
    if (day === this.exhaustedDay) return;
    this.exhaustedDay = day;
    this.o.onQuotaExhausted?.();
  }
}

const OK: ThrottleDecision = { outcome: 'ok' };

/** The IotHubError a throttled request gets: 429001 ThrottlingException or 403002 IotHubQuotaExceeded. */
export function throttledError(errorCode: number, cls: ThrottleClass): IotHubError {
  return errorCode === IotHubErrorCode.IotHubQuotaExceeded
    ? new IotHubError('IotHubQuotaExceeded', 'Total number of messages on IotHub exceeded the allocated quota. Retry after the next UTC day or add units.')
    : new IotHubError('ThrottlingException', `IoT Hub throttled the request: ${cls} over the tier's rate. Retry later.`);
}

/** A value computed after `ms` on the injected timers (a shaping delay). */
export function after<T>(timers: Timers, ms: number, f: () => T): Promise<T> {
  return new Promise((resolve, reject) =>
    void timers.setTimeout(() => {
      try {
        resolve(f());
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    }, ms),
  );
}
