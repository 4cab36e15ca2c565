/**
 * The Azure IoT Hub device dialect over MQTT (reference §1–2), on top of the plain MQTT transport: a fresh SAS token
 * per connection from the device's key, the subscriptions the Azure SDKs make (C2D, methods, twin responses, desired
 * properties), a twin GET on connect, and the downlink turned into protocol-neutral commands: a direct method is a
 * command answered with its status, a desired property is a command acknowledged in reported properties (the Plug
 * and Play convention: value, ac, av, ad), a C2D message whose JSON body names a `command` runs it.
 */
import type { Clock } from '../../core/clock.js';
import type { CommandResult } from '../../devices/model.js';
import {
  DESIRED_SUBSCRIPTION,
  METHODS_SUBSCRIPTION,
  TWIN_RESPONSE_SUBSCRIPTION,
  c2dSubscription,
  createSasToken,
  deviceResource,
  hubUsername,
  methodResponseTopic,
  parseHubTopic,
  twinGetTopic,
  twinPatchReportedTopic,
} from '../../iothub/index.js';
import type { IotHubDevicePlan, TransportPlan } from '../../scenario/plan.js';
import { createMqttClientTransport } from '../mqtt-client.js';
import { DeviceCredentials } from './credentials.js';
import { type Assignment, provision } from './provision.js';
import type { TransportTarget } from '../create.js';
import type { ConnectOptions, Connection, Downlink, Transport } from '../transport.js';
import { uploadFile } from './file-upload.js';
import { DeviceHttpClient, createHttpAgents } from './http-client.js';
import { connectHttps } from './https.js';

/**
 * Desired properties fleetsim's devices understand, as commands (issue 3's command interface): telemetryInterval in
 * seconds, and a setpoint in °C for the models with a thermostat or compressor.
 */
const DESIRED_COMMANDS: Readonly<Record<string, (value: unknown) => { name: string; payload: unknown }>> = {
  telemetryInterval: (v) => ({ name: 'setTelemetryInterval', payload: { seconds: v } }),
  setpoint: (v) => ({ name: 'setSetpoint', payload: { setpointC: v } }),
  targetTemperature: (v) => ({ name: 'setSetpoint', payload: { setpointC: v } }),
};

export function createIotHubTransport(target: TransportTarget, plan: TransportPlan, clock: Clock): Transport {
  const mqtt = createMqttClientTransport(target.url, plan);
  const hub = plan.iothub as IotHubDevicePlan;
  const credentials = new DeviceCredentials(hub);
  // Devices provisioned through DPS in this thread: each registers once, then reconnects to its assigned hub.
  const assignments = new Map<string, Assignment>();
  const agents = createHttpAgents(plan.tls);
  /** The HTTPS client of a device (its assigned identity when provisioned through DPS). */
  const httpClient = (registrationId: string): DeviceHttpClient => {
    const a = assignments.get(registrationId);
    const hostName = a?.assignedHub ?? hub.hostName;
    const baseUrl = (hub.httpsUrl ?? target.httpUrl ?? `https://${hostName}`).replace(/\/$/, '');
    const keyBase64 = credentials.key(registrationId);
    return new DeviceHttpClient({ baseUrl, hostName, deviceId: a?.deviceId ?? registrationId, keyBase64, sasTtlMs: hub.sasTtlMs, clock, agents });
  };
  return {
    uploadFile: (deviceId, blobName, body) => uploadFile(httpClient(deviceId), blobName, body),
    async connect(options: ConnectOptions): Promise<Connection> {
      const registrationId = options.identity.deviceId;
      let assignment = assignments.get(registrationId);
      if (assignment === undefined && hub.provisioning === 'dps') {
        const started = clock.now();
        assignment = await provision(mqtt, hub, credentials, registrationId, clock, plan.connectTimeoutMs * 3);
        assignments.set(registrationId, assignment);
        options.onProvisioned?.(clock.now() - started);
      }
      if (hub.protocol === 'https') return connectHttps(options, { client: httpClient(registrationId), pollMs: hub.c2dPollMs, clock });
      const hostName = assignment?.assignedHub ?? hub.hostName;
      const deviceId = assignment?.deviceId ?? registrationId;
      const session = new DeviceSession(options.onDownlink);
      // X.509 devices send no password (the certificate in the TLS handshake is the proof) and never renew a token.
      const expiry = Math.floor((clock.now() + hub.sasTtlMs) / 1000);
      const clientCert = credentials.clientCert(registrationId);
      const password = credentials.x509 ? undefined : createSasToken({ resourceUri: deviceResource(hostName, deviceId), keyBase64: credentials.key(registrationId), expiry });
      const username = hubUsername(hostName, deviceId, hub.modelId === undefined ? {} : { modelId: hub.modelId });
      // The hub cuts a connection when its token expires; like the Azure SDKs, reconnect with a fresh token before that
      // (at 85 % of its lifetime): the device sees a disconnect with code SAS_RENEW and reconnects by its policy.
      let renewing = false;
      let renewTimer: NodeJS.Timeout | undefined;
      const conn = await mqtt.connect({
        ...options,
        identity: { ...options.identity, clientId: deviceId, username, password, ...(clientCert === undefined ? {} : { clientCert }) },
        onMessage: (topic, payload) => session.onMessage(topic, payload),
        onClose: (info) => {
          clearTimeout(renewTimer);
          options.onClose(renewing ? { code: 'SAS_RENEW', local: false } : info);
        },
      });
      if (!credentials.x509) {
        renewTimer = setTimeout(() => {
          renewing = true;
          void conn.close();
        }, (expiry * 1000 - clock.now()) * 0.85); // se is whole seconds: renew against the real expiry
        renewTimer.unref();
      }
      session.attach(conn);
      // As the Azure SDKs do: C2D at QoS 1, methods and twins at QoS 0; then the twin, for desired properties set while
      // the device was away (the hub does not queue desired patches, reference §1.6).
      await conn.subscribe([
        { topic: c2dSubscription(deviceId), qos: 1 },
        { topic: METHODS_SUBSCRIPTION, qos: 0 },
        { topic: TWIN_RESPONSE_SUBSCRIPTION, qos: 0 },
        { topic: DESIRED_SUBSCRIPTION, qos: 0 },
      ]);
      session.getTwin();
      return conn;
    },
  };
}

/** One connection's protocol state: request ids, the desired version seen, and the downlink handler. */
class DeviceSession {
  private conn: Connection | undefined;
  private rid = 0;
  private readonly twinGets = new Set<string>();
  private desiredVersion = 0;

  constructor(private readonly downlink: Downlink | undefined) {}

  attach(conn: Connection): void {
    this.conn = conn;
  }

  getTwin(): void {
    const rid = this.nextRid();
    this.twinGets.add(rid);
    this.send(twinGetTopic(rid), ' '); // the Node SDK sends one space (reference §9)
  }

  onMessage(topic: string, payload: Buffer): void {
    const t = parseHubTopic(topic);
    if (t === undefined) return;
    switch (t.kind) {
      case 'method-request': {
        const result = this.command('method', t.name, parseJson(payload));
        this.send(methodResponseTopic(result.status, t.rid), JSON.stringify(result.payload ?? null));
        return;
      }
      case 'desired-patch':
        this.applyDesired(parseJson(payload));
        return;
      case 'twin-response':
        if (this.twinGets.delete(t.rid) && t.status === 200) {
          const twin = parseJson(payload) as { desired?: unknown } | null;
          this.applyDesired(twin?.desired);
        }
        return;
      case 'c2d': {
        const body = parseJson(payload) as { command?: unknown; payload?: unknown } | null;
        if (body !== null && typeof body === 'object' && typeof body.command === 'string') this.command('c2d', body.command, body.payload);
        else this.downlink?.('c2d', undefined);
        return;
      }
      default:
        return;
    }
  }

  /** Desired properties newer than the last seen: each one runs its command and is acknowledged in reported. */
  private applyDesired(desired: unknown): void {
    if (desired === null || typeof desired !== 'object') return;
    const d = desired as Record<string, unknown>;
    const version = typeof d.$version === 'number' ? d.$version : 0;
    if (version !== 0 && version <= this.desiredVersion) return; // a patch older than the twin we already applied
    this.desiredVersion = Math.max(this.desiredVersion, version);
    const reported: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(d)) {
      if (name.startsWith('$')) continue;
      const mapped = DESIRED_COMMANDS[name];
      const result = mapped === undefined ? { status: 404, payload: { error: `unsupported desired property ${name}` } } : this.command('desired', mapped(value).name, mapped(value).payload);
      reported[name] = { value, ac: result.status, av: version, ad: describe(result) };
    }
    if (Object.keys(reported).length > 0) this.send(twinPatchReportedTopic(this.nextRid()), JSON.stringify(reported));
  }

  private command(kind: 'method' | 'desired' | 'c2d', name: string, payload: unknown): CommandResult {
    return this.downlink?.(kind, { name, payload }) ?? { status: 503, payload: { error: 'the device is not running' } };
  }

  private send(topic: string, body: string): void {
    this.conn?.publish(topic, body, 0, () => {});
  }

  private nextRid(): string {
    return (++this.rid).toString(16);
  }
}

function parseJson(payload: Buffer): unknown {
  try {
    return payload.length === 0 ? null : JSON.parse(payload.toString('utf8'));
  } catch {
    return null;
  }
}

function describe(result: CommandResult): string {
  if (result.status >= 200 && result.status < 300) return 'applied';
  const error = (result.payload as { error?: unknown } | undefined)?.error;
  return typeof error === 'string' ? error : `refused (${result.status})`;
}
