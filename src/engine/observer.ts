import { placeholders } from '../core/template.js';
import type { Clock } from '../core/clock.js';
import { decodeTelemetry } from '../devices/payload.js';
import { enqueuedTimeOf } from '../iothub/index.js';
import { DeliveryTracker } from '../metrics/delivery.js';
import { MetricsRecorder } from '../metrics/recorder.js';
import type { MetricsSnapshot } from '../metrics/snapshot.js';
import type { FleetPlan } from '../scenario/plan.js';
import { securityOptions } from '../transports/mqtt/options.js';
import type { ObserverLogin } from './target.js';

/** Every IoT Hub device's telemetry (the service side of the embedded hub grants it). */
const IOTHUB_TELEMETRY_FILTER = 'devices/+/messages/events/#';
import { type Subscriber, subscribe } from '../transports/mqtt/subscriber.js';
import type { DeviceLedger } from '../worker/protocol.js';

/**
 * The run observer: an independent MQTT subscriber on the target that receives the fleet's telemetry, measures
 * end-to-end latency from the send time stamped in each payload (split at the hub when it stamps its enqueued time on
 * the topic), and counts received, duplicated, reordered and (at
 * the end, against the senders' ledgers) lost messages.
 */
export class Observer {
  private readonly recorder = new MetricsRecorder();
  private readonly tracker = new DeliveryTracker();
  private subscribers: Subscriber[] = [];
  /** Delivery totals already handed out in snapshots (snapshots carry increments). */
  private reported = { received: 0, duplicated: 0, reordered: 0 };
  malformed = 0;
  /** Why the observer's connection dropped during the run, if it did: its counts are then incomplete. */
  lostConnection: string | undefined;

  /**
   * `only`: the devices this run owns (a `--shard i/N` run): telemetry of any other device, which another shard sends
   * to the same broker, is ignored. Undefined: every device counts.
   */
  constructor(
    private readonly clock: Clock,
    private readonly only?: ReadonlySet<string>,
  ) {}

  get received(): number {
    return this.tracker.received;
  }

  /** Subscribe on every endpoint the devices connect to (fan-out), all counted together. */
  async start(urls: readonly string[], fleets: readonly FleetPlan[], login?: ObserverLogin): Promise<void> {
    const qos = fleets.some((f) => f.transport.qos === 1) ? 1 : 0;
    // The observer connects as the first fleet would (same TLS trust and credentials), or with the service login the
    // target gave (the embedded hub's IoT Hub service side, which reads IoT Hub devices' telemetry).
    const fleetSecurity = fleets[0] === undefined ? {} : securityOptions(fleets[0].transport);
    // A service login is its own proof: no device's client certificate (with one, mqtt.js would also switch to TLS).
    const { cert: _cert, key: _key, ...trust } = fleetSecurity;
    const security = login === undefined ? fleetSecurity : { ...trust, username: login.username, password: login.password };
    const filters = topicFilters(fleets);
    for (const [i, url] of urls.entries()) {
      const clientId = login === undefined ? undefined : urls.length === 1 ? login.clientId : `${login.clientId}-${i}`;
      const sub = await subscribe(url, filters, qos, (topic, payload) => this.onMessage(topic, payload), {
        ...(clientId === undefined ? {} : { clientId }),
        security,
        onLost: (code) => {
          this.lostConnection = urls.length === 1 ? code : `${code} on ${url}`;
        },
      });
      this.subscribers.push(sub);
    }
  }

  private onMessage(topic: string, payload: Buffer): void {
    const now = this.clock.now();
    const msg = decodeTelemetry(payload);
    if (msg === undefined || typeof msg.deviceId !== 'string' || typeof msg.seq !== 'number' || typeof msg.ts !== 'number') {
      this.malformed++;
      return;
    }
    if (this.only !== undefined && !this.only.has(msg.deviceId)) return;
    const r = this.tracker.receive(msg.deviceId, msg.seq);
    if (r === 'duplicate') return;
    this.recorder.observe('telemetry.e2e', (now - msg.ts) * 1000);
    // The embedded hub stamps its acceptance time on the topic (src/iothub/enqueued.ts): e2e splits at the hub. Same
    // host clock in every thread (timeOrigin + monotonic); a negative part (clocks a hair apart) is recorded as 0.
    const enqueued = enqueuedTimeOf(topic);
    if (enqueued === undefined) return;
    this.recorder.observe('telemetry.device_to_hub', Math.max(0, enqueued - msg.ts) * 1000);
    this.recorder.observe('telemetry.hub_to_consumer', Math.max(0, now - enqueued) * 1000);
  }

  /** e2e histogram of the interval, plus delivery counters so far (as increments). */
  snapshot(): MetricsSnapshot {
    const t = this.tracker;
    this.recorder.count('delivery.received', t.received - this.reported.received);
    this.recorder.count('delivery.duplicated', t.duplicated - this.reported.duplicated);
    this.recorder.count('delivery.reordered', t.reordered - this.reported.reordered);
    this.reported = { received: t.received, duplicated: t.duplicated, reordered: t.reordered };
    return this.recorder.snapshot();
  }

  lost(ledgers: Iterable<DeviceLedger>): number {
    return this.tracker.lost(ledgers);
  }

  async stop(): Promise<void> {
    const subs = this.subscribers;
    this.subscribers = [];
    await Promise.all(subs.map((s) => s.close()));
  }
}

/**
 * Subscription filters covering every fleet's telemetry topic: {fleet} is the fleet id; a level holding any other
 * placeholder becomes the single-level wildcard +.
 */
export function topicFilters(fleets: readonly FleetPlan[]): string[] {
  const out = new Set<string>();
  for (const f of fleets) {
    if (f.transport.dialect === 'iothub') {
      out.add(IOTHUB_TELEMETRY_FILTER);
      continue;
    }
    const levels = f.transport.topic.split('/').map((level) => {
      const resolved = level.replaceAll('{fleet}', f.id);
      return placeholders(resolved).length > 0 ? '+' : resolved;
    });
    out.add(levels.join('/'));
  }
  return [...out];
}
