/**
 * The IoT Hub emulator's MQTT face: the broker hooks that make aedes behave like Azure IoT Hub for devices
 * (reference §1–2). Authentication (SAS over the resource as sent, CONNACK 5 for bad, expired, unknown or disabled
 * identities), authorisation (a device publishes and subscribes only to its own topics; QoS 2 and oversize messages
 * close the connection), one connection per device, twins, direct methods and C2D delivered to the owning connection
 * only, serialised per client. State lives in src/hub/iothub/ (pure); wire formats in src/iothub/ (pure).
 *
 * A fleetsim extension, not in IoT Hub: a *service* client (client id starting with `$service`, password a service
 * SAS signed with the hub's owner key over the host name) may subscribe to `devices/+/messages/events/#` to consume
 * the telemetry stream, as the run observer does. Each message reaches it with the system properties the hub stamps on
 * acceptance (enqueued time, connection device id, auth method, generation id) appended to its topic's property bag
 * (src/iothub/enqueued.ts).
 *
 * Throttling (off without a tier; src/hub/iothub/hub-throttle.ts, reference §5.3): a CONNECT over the connection rate
 * waits for its CONNACK, then is refused with CONNACK 3; a D2C message over the rate waits for its PUBACK, then the
 * connection is closed; twin requests over their rates wait, then get `$iothub/twin/res/429/` with a 429001 body; when
 * the daily quota is spent every device connection is dropped and CONNECTs get CONNACK 3.
 */
import type { Clock } from '../core/clock.js';
import {
  type DeviceTopic,
  type MessageProperties,
  appendStamps,
  authMethodOf,
  allowedSubscription,
  desiredPatchTopic,
  errorBody,
  methodRequestTopic,
  parseDeviceTopic,
  stampProperties,
  topicBelongsTo,
  twinResponseTopic,
} from '../iothub/index.js';
import type { BrokerClient, BrokerHooks, PublishDecision } from './broker.js';
import type { AcceptedTelemetry } from './telemetry/record.js';
import { C2dDelivery } from './iothub/c2d-delivery.js';
import { C2dQueues, type C2dSend } from './iothub/c2d-queue.js';
import { CaStore } from './iothub/certificates.js';
import { ConnectionTable } from './iothub/connections.js';
import { IotHubErrorCode, isIotHubError } from './iothub/errors.js';
import { HubThrottle, type ThrottleClass, type ThrottleDecision, type Tier, after, throttledError } from './iothub/hub-throttle.js';
import { MethodCalls, type MethodInvokeOptions, type MethodResult } from './iothub/methods.js';
import { DeviceRegistry } from './iothub/registry.js';
import type { Timers } from './iothub/timers.js';
import { TwinStore } from './iothub/twin.js';
import { CONNACK, judgeConnect } from './iothub/connect-auth.js';

export interface IotHubGatewayOptions {
  /** The hub's host name, as devices sign it in their SAS resource: e.g. fleetsim.azure-devices.net. */
  readonly hostName: string;
  /** Key of the hub's owner policy (base64): service clients sign with it. */
  readonly serviceKey: string;
  readonly clock: Clock;
  readonly timers: Timers;
  /** Device-to-cloud message limit (IoT Hub: 256 KB). */
  readonly maxMessageBytes?: number;
  /** IoT Hub tier throttling (reference §5); absent: off. */
  readonly throttle?: { readonly tier: Tier; readonly units?: number; readonly queueSeconds?: number };
  /** Every D2C message the hub accepts, as consumers get it (for the NDJSON stream and webhooks). */
  readonly onTelemetry?: (m: AcceptedTelemetry) => void;
}

const TELEMETRY_FILTER = 'devices/+/messages/events/#';

interface Session {
  readonly client: BrokerClient;
  readonly deviceId: string;
  /** Unique per connection, so a stale close never removes a newer connection. */
  readonly connectionId: string;
  methodsSubscribed: boolean;
  c2dSubscribed: boolean;
  desiredSubscribed: boolean;
}

/** Counters for the report and tests: what the hub refused, and why. */
export interface GatewayStats {
  refusedConnects: Record<string, number>;
  refusedPublishes: Record<string, number>;
  refusedSubscriptions: number;
  telemetry: number;
}

export class IotHubGateway {
  readonly registry: DeviceRegistry;
  readonly twins: TwinStore;
  readonly methods: MethodCalls;
  readonly c2d: C2dQueues;
  readonly connections: ConnectionTable;
  /** Trusted CAs of X.509 certificateAuthority devices. */
  readonly certificates: CaStore;
  /** The throttle decision every gateway (MQTT here, HTTPS device endpoints) asks: `throttle.admit(class, id, bytes)`. */
  readonly throttle: HubThrottle;
  readonly stats: GatewayStats = { refusedConnects: {}, refusedPublishes: {}, refusedSubscriptions: 0, telemetry: 0 };
  private readonly sessions = new Map<string, Session>();
  private readonly byClient = new WeakMap<BrokerClient, Session | 'service'>();
  private readonly c2dDelivery: C2dDelivery;
  private nextConnection = 0;

  constructor(private readonly o: IotHubGatewayOptions) {
    const { clock, timers } = o;
    this.throttle = new HubThrottle({
      clock,
      tier: o.throttle?.tier,
      units: o.throttle?.units,
      queueSeconds: o.throttle?.queueSeconds,
      // After the current publish is answered: the hub drops every device connection (reference §5.3).
      onQuotaExhausted: () => void timers.setTimeout(() => this.dropAll(), 0),
    });
    this.registry = new DeviceRegistry({ clock });
    this.certificates = new CaStore(() => clock.now());
    this.twins = new TwinStore({ clock, identities: this.registry });
    this.connections = new ConnectionTable({
      clock,
      timers,
      onKick: (k) => this.sessions.get(k.connection.id)?.client.close(),
      onStateChange: (id, state, atMs) => this.registry.setConnectionState(id, state, atMs),
      onActivity: (id, atMs) => this.registry.touch(id, atMs),
    });
    this.methods = new MethodCalls({
      timers,
      exists: (id) => this.registry.has(id),
      isOnline: (id) => this.sessions.get(id)?.methodsSubscribed === true,
      send: (id, name, rid, payload) => {
        const s = this.sessions.get(id);
        if (s === undefined) throw new Error('offline');
        void s.client.publish(methodRequestTopic(name, rid), JSON.stringify(payload ?? null), 0);
      },
    });
    this.c2d = new C2dQueues({
      clock,
      exists: (id) => this.registry.has(id),
      generationIdOf: (id) => this.registry.get(id).generationId,
      onDepthChange: (id, depth) => this.registry.setCloudToDeviceMessageCount(id, depth),
    });
    this.c2dDelivery = new C2dDelivery(this.c2d);
  }

  /** Service side: call a direct method (404103 offline, 504101 timeout, as IoT Hub answers). */
  invokeMethod(deviceId: string, name: string, payload: unknown, options?: MethodInvokeOptions): Promise<MethodResult> {
    return this.methods.invoke(deviceId, name, payload, options);
  }

  /** Service side: patch desired properties; a connected device subscribed to them gets the patch at once. */
  updateDesired(deviceId: string, patch: unknown): number {
    const update = this.twins.patchDesired(deviceId, patch);
    const s = this.sessions.get(deviceId);
    if (s?.desiredSubscribed === true) void s.client.publish(desiredPatchTopic(update.desiredVersion), JSON.stringify(update.push), 0);
    return update.desiredVersion;
  }

  /** Service side: queue a C2D message (403004 beyond 50), delivered now when the device is listening. */
  sendC2d(deviceId: string, message: C2dSend): void {
    this.c2d.enqueue(deviceId, message);
    this.deliverC2d(deviceId);
  }

  /**
   * Service side: admit an operation of a throttle class (resolves at once, or after the shaping delay), or throw the
   * IotHubError IoT Hub answers with (429001 ThrottlingException, 403002 IotHubQuotaExceeded).
   */
  async admitService(cls: ThrottleClass, deviceId: string | undefined, bytes: number): Promise<void> {
    const d = this.throttle.admit(cls, deviceId, bytes);
    if (d.outcome === 'ok') return;
    if (d.outcome === 'delay') return new Promise((resolve) => void this.o.timers.setTimeout(resolve, d.ms));
    throw throttledError(d.errorCode, cls);
  }

  hooks(): BrokerHooks {
    return {
      authenticate: (client, username, password) => this.authenticate(client, username, password),
      authorizeSubscribe: (client, filter, qos) => this.authorizeSubscribe(client, filter, qos),
      authorizePublish: (client, topic, payload, qos) => this.authorizePublish(client, topic, payload, qos),
      authorizeForward: (client, topic) => this.authorizeForward(client, topic),
      acked: (client, topic) => this.acked(client, topic),
      disconnected: (client) => this.disconnected(client),
    };
  }

  private refuseConnect(reason: string, code: number): number {
    this.stats.refusedConnects[reason] = (this.stats.refusedConnects[reason] ?? 0) + 1;
    return code;
  }

  private authenticate(client: BrokerClient, username: string | undefined, password: Buffer | undefined): number | Promise<number> {
    const verdict = judgeConnect(
      { clientId: client.id, username, password, peerCertificates: () => client.peerCertificates() },
      { hostName: this.o.hostName, serviceKey: this.o.serviceKey, registry: this.registry, anchors: () => this.certificates.anchors(), nowMs: this.o.clock.now() },
    );
    if (verdict.kind === 'refused') return this.refuseConnect(verdict.reason, verdict.code);
    if (verdict.kind === 'service') {
      this.byClient.set(client, 'service');
      return CONNACK.ok;
    }
    const { deviceId, sasExpiryMs } = verdict;
    const admit = this.throttle.admitConnection();
    // Throttled or over quota: CONNACK 3 "server unavailable", which SDKs retry (reference §1.7); counted by the throttle.
    if (admit.outcome === 'throttled') return CONNACK.serverUnavailable;
    if (admit.outcome === 'ok') return this.accept(client, deviceId, sasExpiryMs);
    return after(this.o.timers, admit.ms, () => (client.closed ? CONNACK.serverUnavailable : this.accept(client, deviceId, sasExpiryMs)));
  }

  /** sasExpiryMs: undefined for X.509 devices. */
  private accept(client: BrokerClient, deviceId: string, sasExpiryMs: number | undefined): number {
    const session: Session = {
      client,
      deviceId,
      connectionId: `c${++this.nextConnection}`,
      methodsSubscribed: false,
      c2dSubscribed: false,
      desiredSubscribed: false,
    };
    // One connection per device: the previous one is closed (400027 ConnectionForcefullyClosedOnNewConnection).
    const { replaced } = this.connections.connect(
      deviceId,
      session.connectionId,
      sasExpiryMs === undefined ? { authType: 'x509' } : { authType: 'sas', sasExpiryMs },
    );
    if (replaced !== undefined) this.sessions.get(deviceId)?.client.close();
    this.sessions.set(deviceId, session);
    this.byClient.set(client, session);
    return CONNACK.ok;
  }

  private authorizeSubscribe(client: BrokerClient, filter: string, qos: number): number | null {
    const who = this.byClient.get(client);
    const granted = Math.min(qos, 1); // QoS 2 is granted as 1 (reference §1.6)
    if (who === 'service') return filter === TELEMETRY_FILTER ? granted : this.refusedSubscription();
    if (who === undefined || !allowedSubscription(filter, who.deviceId, undefined, { endpoint: 'hub' })) return this.refusedSubscription();
    if (filter.startsWith('$iothub/methods/')) {
      who.methodsSubscribed = true;
      this.methods.deviceOnline(who.deviceId);
    } else if (filter.startsWith('$iothub/twin/PATCH/properties/desired')) who.desiredSubscribed = true;
    else if (filter.startsWith('devices/')) {
      who.c2dSubscribed = true;
      setImmediate(() => this.deliverC2d(who.deviceId)); // after the SUBACK
    }
    return granted;
  }

  private refusedSubscription(): null {
    this.stats.refusedSubscriptions++;
    return null;
  }

  private authorizePublish(client: BrokerClient, topic: string, payload: Buffer, qos: number): PublishDecision | Promise<PublishDecision> {
    const who = this.byClient.get(client);
    if (who === undefined || who === 'service') return this.refusePublish('not-a-device');
    if (qos > 1) return this.refusePublish('qos2');
    if (payload.length > (this.o.maxMessageBytes ?? 256 * 1024)) return this.refusePublish('too-large');
    if (!topicBelongsTo(topic, who.deviceId, undefined, { endpoint: 'hub' })) return this.refusePublish('foreign-topic');
    const parsed = parseDeviceTopic(topic);
    if (parsed === undefined) return this.refusePublish('unknown-topic');
    this.connections.activity(who.deviceId, who.connectionId);
    return this.handle(who, parsed, topic, payload);
  }

  private refusePublish(reason: string): 'refuse' {
    this.stats.refusedPublishes[reason] = (this.stats.refusedPublishes[reason] ?? 0) + 1;
    return 'refuse';
  }

  private handle(s: Session, t: DeviceTopic, topic: string, payload: Buffer): PublishDecision | Promise<PublishDecision> {
    switch (t.kind) {
      case 'telemetry': {
        // Metered size: body + properties (reference §2.1), approximated by the topic's length.
        const metered = payload.length + topic.length;
        const d = this.throttle.admit('d2c', s.deviceId, metered);
        if (d.outcome === 'throttled') return this.dropThrottled(d.errorCode);
        if (d.outcome === 'delay') {
          return after(this.o.timers, d.ms, () => {
            if (!s.client.closed) return { forwardAs: this.ingestTelemetry(s.deviceId, t.properties, topic, payload) };
            this.throttle.shapedDiscarded(metered); // its connection closed while it waited: never acknowledged nor routed
            return 'refuse';
          });
        }
        return { forwardAs: this.ingestTelemetry(s.deviceId, t.properties, topic, payload) };
      }
      case 'twin-get': {
        const view = JSON.stringify(this.twins.deviceView(s.deviceId));
        this.admitTwin(s, 'twinReads', t.rid, view.length, () => void s.client.publish(twinResponseTopic(200, t.rid), view, 0));
        return 'consume';
      }
      case 'twin-patch-reported':
        this.admitTwin(s, 'twinUpdates', t.rid, payload.length, () => this.twinResponse(s, t.rid, () => {
          const text = payload.toString('utf8');
          const version = this.twins.patchReported(s.deviceId, text.trim() === '' ? {} : JSON.parse(text), t.version);
          return { status: 204, version };
        }));
        return 'consume';
      case 'method-response': {
        const text = payload.toString('utf8');
        let body: unknown = null;
        try {
          body = text.trim() === '' ? null : JSON.parse(text);
        } catch {
          body = text;
        }
        this.methods.respond(s.deviceId, t.rid, t.status, body);
        return 'consume';
      }
      default:
        return this.refusePublish('dps-topic-on-hub');
    }
  }

  /**
   * Count, stamp and feed to the telemetry stream an accepted D2C message (MQTT, or HTTPS already authorised and
   * admitted by the device endpoints); returns the topic service subscribers receive it on. Its enqueued time is now:
   * after any shaping delay.
   */
  ingestTelemetry(deviceId: string, properties: MessageProperties, topic: string, payload: Buffer): string {
    this.stats.telemetry++;
    const device = this.registry.lookup(deviceId);
    const stamp = {
      enqueuedTimeMs: this.o.clock.now(),
      deviceId,
      authMethod: authMethodOf(device?.authentication.type ?? 'sas'),
      generationId: device?.generationId ?? '',
    };
    const stamped = stampProperties(stamp);
    this.o.onTelemetry?.({ deviceId, enqueuedTimeMs: stamp.enqueuedTimeMs, properties, stamped, body: payload });
    return appendStamps(topic, stamped);
  }

  /** Over MQTT a throttled or over-quota publish closes the connection (reference §5.3); counted as a throttle drop. */
  private dropThrottled(errorCode: number): 'refuse' {
    this.throttle.connectionDropped(errorCode === IotHubErrorCode.IotHubQuotaExceeded ? 'quota' : 'throttle');
    return 'refuse';
  }

  /** Daily quota spent: every device connection is dropped (reference §5.3). */
  private dropAll(): void {
    for (const s of [...this.sessions.values()]) {
      this.throttle.connectionDropped('quota');
      s.client.close();
    }
  }

  /** A twin request through its throttle: run it now, after the shaping delay, or answer 429/403 with an error body. */
  private admitTwin(s: Session, cls: 'twinReads' | 'twinUpdates', rid: string, bytes: number, run: () => void): void {
    const d: ThrottleDecision = this.throttle.admit(cls, s.deviceId, bytes);
    if (d.outcome === 'ok') run();
    else if (d.outcome === 'delay') this.o.timers.setTimeout(() => !s.client.closed && run(), d.ms);
    else {
      const err = throttledError(d.errorCode, cls);
      void s.client.publish(twinResponseTopic(err.status, rid), errorBody(err.errorCode, err.message), 0);
    }
  }

  /** Run a twin operation; errors go back as IoT Hub does it: the status in the topic, {errorCode, message} in the body. */
  private twinResponse(s: Session, rid: string, op: () => { status: number; version: number }): void {
    try {
      const { status, version } = op();
      void s.client.publish(twinResponseTopic(status, rid, version), '', 0);
    } catch (err) {
      const code = isIotHubError(err) ? err.errorCode : err instanceof SyntaxError ? 400004 : 500001;
      const message = err instanceof Error ? err.message : String(err);
      void s.client.publish(twinResponseTopic(Math.floor(code / 1000), rid), errorBody(code, message), 0);
    }
  }

  private authorizeForward(client: BrokerClient, topic: string): boolean {
    const who = this.byClient.get(client);
    if (who === 'service') return topic.startsWith('devices/') && topic.includes('/messages/events');
    // Hub→device publishes go to the owning connection only; nothing another device sent ever reaches a device.
    return who !== undefined && (topic.startsWith('$iothub/') || topicBelongsTo(topic, who.deviceId, undefined, { endpoint: 'hub' }));
  }

  /** Deliver queued C2D messages to a listening device, one by one (each completes on its PUBACK). */
  private deliverC2d(deviceId: string): void {
    const s = this.sessions.get(deviceId);
    if (s === undefined || !s.c2dSubscribed) return;
    this.c2dDelivery.deliver(deviceId, s.connectionId, (topic, body) => void s.client.publish(topic, body, 1));
  }

  /** A PUBACK from a device: a C2D message completes. */
  private acked(client: BrokerClient, topic: string): void {
    const who = this.byClient.get(client);
    if (who !== undefined && who !== 'service') this.c2dDelivery.acked(who.connectionId, topic);
  }

  private disconnected(client: BrokerClient): void {
    const who = this.byClient.get(client);
    if (who === undefined || who === 'service') return;
    this.connections.disconnect(who.deviceId, who.connectionId);
    if (this.sessions.get(who.deviceId) === who) {
      this.sessions.delete(who.deviceId);
      this.c2d.releaseAll(who.deviceId); // delivered but not completed: delivered again on the next connection
    }
    this.c2dDelivery.forget(who.connectionId);
  }
}

