import { createConnection } from 'node:net';
import { type IClientOptions, type MqttClient, mqtt } from './lib.js';
import { securityOptions } from './options.js';
import { failureCode } from '../../core/errors.js';
import type { TransportPlan } from '../../scenario/plan.js';
import {
  type CloseInfo,
  type ConnectOptions,
  type Connection,
  type PublishCallback,
  type Transport,
  TransportError,
} from '../transport.js';

/**
 * MQTT device transport on mqtt.js (scenario `transport.client: mqttjs`; the default is the lean client). Auto-reconnect
 * is off: devices own their reconnects and backoff.
 */
export function createMqttTransport(url: string, plan: TransportPlan): Transport {
  const base = baseOptions(plan);
  return {
    connect: (options) => connectOnce(url, base, plan.connectTimeoutMs, options),
  };
}

function baseOptions(plan: TransportPlan): IClientOptions {
  return {
    ...securityOptions(plan),
    protocolVersion: plan.protocolVersion,
    keepalive: plan.keepaliveS,
    clean: plan.cleanSession,
    connectTimeout: plan.connectTimeoutMs,
    reconnectPeriod: 0,
    resubscribe: false,
    queueQoSZero: false,
  };
}

function connectOnce(url: string, base: IClientOptions, timeoutMs: number, options: ConnectOptions): Promise<Connection> {
  const { identity } = options;
  const clientOptions: IClientOptions = { ...base, clientId: identity.clientId };
  if (identity.username !== undefined) clientOptions.username = identity.username;
  if (identity.password !== undefined) clientOptions.password = identity.password;
  if (identity.clientCert !== undefined) {
    clientOptions.cert = identity.clientCert.cert;
    clientOptions.key = identity.clientCert.key;
  }
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    let lastError: unknown;
    let conn: MqttConnection | undefined;
    const client = openClient(options.endpoint?.url ?? url, clientOptions, options.endpoint?.localAddress);
    client.on('error', (err) => {
      lastError = err;
    });
    client.on('disconnect', (packet) => {
      lastError = new TransportError(`DISCONNECT_${packet.reasonCode ?? 0}`, 'broker sent DISCONNECT');
    });
    client.once('connect', () => {
      conn = new MqttConnection(client, options.onClose);
      const onMessage = options.onMessage;
      if (onMessage !== undefined) client.on('message', (topic, payload) => onMessage(topic, payload));
      resolve(conn);
    });
    client.on('close', () => {
      if (conn !== undefined) {
        conn.closed(lastError);
        return;
      }
      client.end(true);
      const timedOut = performance.now() - startedAt >= timeoutMs * 0.95;
      // mqtt.js reports its own timer as Error('connack timeout'): the documented code is CONNECT_TIMEOUT.
      if (timedOut && (lastError === undefined || failureCode(lastError) === 'TIMEOUT')) reject(new TransportError('CONNECT_TIMEOUT', 'no CONNACK in time'));
      else reject(lastError ?? new TransportError('CONNECTION_CLOSED', 'connection closed before CONNACK'));
    });
  });
}

/**
 * mqtt.connect, from a local source address when one is given. mqtt.js hands its options to tls.connect (mqtts) and
 * to the WebSocket's HTTP request (ws, wss), which both honour `localAddress`, but its plain TCP builder does not pass
 * it to net.createConnection: for mqtt:// the client is built on a socket made here.
 */
function openClient(url: string, options: IClientOptions, localAddress: string | undefined): MqttClient {
  if (localAddress === undefined) return mqtt.connect(url, options);
  const u = new URL(url);
  const scheme = u.protocol.replace(/:$/, '');
  if (scheme === 'mqtt' || scheme === 'tcp') {
    const host = u.hostname.replace(/^\[|\]$/g, '');
    const port = u.port === '' ? 1883 : Number(u.port);
    return new mqtt.MqttClient(() => createConnection({ host, port, localAddress }), { ...options, protocol: 'mqtt' });
  }
  if (scheme === 'ws' || scheme === 'wss') return mqtt.connect(url, { ...options, wsOptions: { ...options.wsOptions, localAddress } });
  const tls: IClientOptions & { localAddress: string } = { ...options, localAddress }; // passed through to tls.connect
  return mqtt.connect(url, tls);
}

interface Pending {
  done: PublishCallback | undefined;
  readonly ref: number;
}

class MqttConnection implements Connection {
  private readonly inflight = new Set<Pending>();
  private ended = false;
  private localClose = false;

  constructor(
    private readonly client: MqttClient,
    private readonly onClose: (info: CloseInfo) => void,
  ) {}

  get pending(): number {
    return this.inflight.size;
  }

  publish(topic: string, payload: string | Uint8Array, qos: 0 | 1, done: PublishCallback, ref = 0): void {
    if (this.ended) {
      done(new TransportError('NOT_CONNECTED', 'connection is closed'), ref);
      return;
    }
    const p: Pending = { done, ref };
    this.inflight.add(p);
    this.client.publish(topic, payload as Buffer | string, { qos }, (err) => this.settle(p, err ?? undefined));
  }

  subscribe(filters: ReadonlyArray<{ readonly topic: string; readonly qos: 0 | 1 }>): Promise<number[]> {
    if (this.ended) return Promise.reject(new TransportError('NOT_CONNECTED', 'connection is closed'));
    const map = Object.fromEntries(filters.map((f) => [f.topic, { qos: f.qos }]));
    return new Promise((resolve, reject) => {
      this.client.subscribe(map, (err, granted) => {
        if (err !== null && err !== undefined) reject(err);
        else {
          const byTopic = new Map((granted ?? []).map((g) => [g.topic, g.qos]));
          resolve(filters.map((f) => byTopic.get(f.topic) ?? 128));
        }
      });
    });
  }

  private settle(p: Pending, err: Error | undefined): void {
    const done = p.done;
    if (done === undefined) return;
    p.done = undefined;
    this.inflight.delete(p);
    done(err, p.ref);
  }

  close(): Promise<void> {
    if (this.ended) return Promise.resolve();
    this.localClose = true;
    return new Promise((resolve) => {
      this.client.end(false, {}, () => resolve());
    });
  }

  drop(): void {
    if (this.ended) return;
    this.localClose = true;
    this.client.stream.destroy();
  }

  /** The socket closed (any cause): fail what is still pending, stop the client, tell the device once. */
  closed(cause: unknown): void {
    if (this.ended) return;
    this.ended = true;
    const lost = new TransportError('CONNECTION_LOST', 'connection closed before ack');
    for (const p of [...this.inflight]) this.settle(p, lost);
    this.client.end(true);
    const code = this.localClose ? 'LOCAL_CLOSE' : cause === undefined ? 'CONNECTION_LOST' : failureCode(cause);
    this.onClose({ code, local: this.localClose });
  }
}
