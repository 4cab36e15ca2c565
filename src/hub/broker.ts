import { type Server as HttpServer, createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type Server as NetServer, createServer as createNetServer } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes } from 'aedes';
import { peerCertificateChain } from './peer-cert.js';
import { attachWebSocket } from './websocket.js';

/** The one import site of aedes: an MQTT broker behind one or more listeners. */
export type ListenerScheme = 'mqtt' | 'mqtts' | 'ws' | 'wss';

export interface ListenerOptions {
  readonly scheme: ListenerScheme;
  readonly host: string;
  /** 0: pick a free port. */
  readonly port: number;
  /**
   * PEM key and certificate, required for mqtts and wss. Clients are asked for a certificate (X.509 device
   * authentication) but not refused without one: the hooks judge it (BrokerClient.peerCertificates).
   */
  readonly tls?: { readonly key: Buffer | string; readonly cert: Buffer | string };
}

export interface Listening {
  readonly scheme: ListenerScheme;
  readonly host: string;
  readonly port: number;
  /** e.g. mqtt://127.0.0.1:1883, ws://127.0.0.1:8080 (aedes accepts any path). */
  readonly url: string;
}

/**
 * Decide a CONNECT: return 0 to accept, or an MQTT 3.1.1 CONNACK return code to refuse (4 bad username or password,
 * 5 not authorised). In-process only (functions do not cross to the hub thread).
 */
export type Authenticate = (clientId: string, username: string | undefined, password: Buffer | undefined) => number;

/** A connected client as the hooks see it. */
export interface BrokerClient {
  readonly id: string;
  /** The client's transport socket (a TLSSocket on mqtts: getPeerCertificate() gives its X.509 certificate). */
  readonly socket: unknown;
  /** The certificate chain the client presented over TLS (mqtts or wss), leaf first, DER; empty without one. */
  peerCertificates(): Buffer[];
  /**
   * Publish to this client only, serialised: each publish waits for the previous one's callback (aedes drops a
   * QoS 1 message to a clean=false client when a QoS 0 one overtakes it, reference §0.10). Resolves when handed over.
   */
  publish(topic: string, payload: Buffer | string, qos: 0 | 1): Promise<void>;
  /** Drop the connection (no DISCONNECT to send in MQTT 3.1.1: the socket closes). */
  close(): void;
  /** True once the connection is closed (a hook that answers later checks it before acting). */
  readonly closed: boolean;
}

/** What the hub does with a client's PUBLISH. */
export type PublishDecision =
  /** Route it to subscribers. */
  | 'forward'
  /** The hub handled it (a twin request, a method response): acknowledge it, route it nowhere. */
  | 'consume'
  /** Not allowed: close the connection (IoT Hub's answer to a forbidden topic, QoS 2 or an oversize message). */
  | 'refuse'
  /** Route it under another topic name (the hub appends the system properties it stamps, e.g. its enqueued time). */
  | { readonly forwardAs: string };

/**
 * Hooks of a hub that speaks a protocol over MQTT (the IoT Hub gateway). Each is optional; without hooks the broker is
 * a plain MQTT broker.
 */
export interface BrokerHooks {
  /**
   * 0 to accept the CONNECT, else the CONNACK return code. A promise delays the CONNACK (connection shaping); the
   * client may close meanwhile.
   */
  authenticate?(client: BrokerClient, username: string | undefined, password: Buffer | undefined): number | Promise<number>;
  /** A promise delays the PUBACK and the routing (D2C shaping); aedes reads no more of that socket meanwhile. */
  authorizePublish?(client: BrokerClient, topic: string, payload: Buffer, qos: number, retain: boolean): PublishDecision | Promise<PublishDecision>;
  /** The QoS to grant, or null to refuse the filter (SUBACK 0x80). */
  authorizeSubscribe?(client: BrokerClient, filter: string, qos: number): number | null;
  /** Whether a routed message may reach this client. */
  authorizeForward?(client: BrokerClient, topic: string): boolean;
  /** A client acknowledged (PUBACK) a QoS 1 message the hub published to it. */
  acked?(client: BrokerClient, topic: string): void;
  connected?(client: BrokerClient): void;
  disconnected?(client: BrokerClient): void;
}

export interface BrokerOptions {
  readonly authenticate?: Authenticate;
  readonly hooks?: BrokerHooks;
}

export interface Broker {
  readonly listening: readonly Listening[];
  /**
   * Publish as the hub itself (no client: authorizePublish is not asked), routed to subscribers through
   * authorizeForward like any message; resolves when aedes has routed it.
   */
  publish(topic: string, payload: Buffer, qos: 0 | 1): Promise<void>;
  close(): Promise<void>;
}

type AedesClient = Parameters<NonNullable<Aedes['authenticate']>>[0];
/** Where consumed publishes go: subscriptions to it are refused, so it reaches no one. */
const CONSUMED_TOPIC = '$fleetsim/consumed';
type AedesOptions = NonNullable<Parameters<typeof Aedes.createBroker>[0]>;

export async function startBroker(listeners: readonly ListenerOptions[], options: BrokerOptions = {}): Promise<Broker> {
  const aedes = await Aedes.createBroker(aedesOptions(options));
  if (options.hooks !== undefined) attachLifecycle(aedes, options.hooks);
  const handle = (stream: Duplex): void => void aedes.handle(stream as Parameters<typeof aedes.handle>[0]);
  const servers: Array<NetServer | HttpServer> = [];
  const closers: Array<() => void> = [];
  const listening: Listening[] = [];
  try {
    for (const l of listeners) {
      const server = createListener(l, handle, closers);
      servers.push(server);
      const port = await listen(server, l.host, l.port);
      listening.push({ scheme: l.scheme, host: l.host, port, url: `${l.scheme}://${l.host}:${port}` });
    }
  } catch (err) {
    for (const s of servers) s.close();
    aedes.close();
    throw err;
  }
  return {
    listening,
    publish: (topic, payload, qos) =>
      new Promise<void>((resolve, reject) => {
        const packet = { cmd: 'publish', topic, payload, qos, retain: false, dup: false } as Parameters<Aedes['publish']>[0];
        aedes.publish(packet, (err) => (err ? reject(err) : resolve()));
      }),
    close: async () => {
      for (const c of closers) c();
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
      await new Promise<void>((r) => aedes.close(() => r()));
    },
  };
}

/** One BrokerClient per aedes client, kept on the client object itself. */
const wrappers = new WeakMap<AedesClient, BrokerClient>();

function wrap(client: AedesClient): BrokerClient {
  let w = wrappers.get(client);
  if (w !== undefined) return w;
  let tail: Promise<void> = Promise.resolve();
  w = {
    id: client.id,
    socket: (client as unknown as { conn: unknown }).conn,
    peerCertificates: () => peerCertificateChain((client as unknown as { conn: unknown }).conn),
    publish(topic, payload, qos) {
      const packet = { cmd: 'publish', topic, payload: typeof payload === 'string' ? Buffer.from(payload) : payload, qos, retain: false, dup: false };
      tail = tail.then(
        () => new Promise<void>((resolve) => client.publish(packet as Parameters<AedesClient['publish']>[0], () => resolve())),
      );
      return tail;
    },
    close: () => client.close(),
    get closed() {
      return client.closed;
    },
  };
  wrappers.set(client, w);
  return w;
}

function aedesOptions(options: BrokerOptions): AedesOptions {
  const out: AedesOptions = {};
  const auth = options.authenticate;
  const hooks = options.hooks;
  const refuse = (code: number) => Object.assign(new Error('refused'), { returnCode: code });
  if (auth !== undefined || hooks?.authenticate !== undefined) {
    out.authenticate = (client, username, password, done) => {
      const answer = (code: number): void => {
        if (code === 0) done(null, true);
        else done(refuse(code) as Parameters<typeof done>[0], false);
      };
      const code = hooks?.authenticate !== undefined ? hooks.authenticate(wrap(client), username, password) : (auth as Authenticate)(client.id, username, password);
      if (typeof code === 'number') answer(code);
      else code.then(answer, () => answer(3));
    };
  }
  if (hooks === undefined) return out;
  if (hooks.authorizePublish !== undefined) {
    const decide = hooks.authorizePublish;
    out.authorizePublish = (client, packet, done) => {
      if (client === null) return done(null); // an old will, no client to judge
      const apply = (decision: PublishDecision): void => {
        if (decision === 'refuse') return done(new Error(`publish to ${packet.topic} refused`));
        // aedes has no "acknowledge but do not route": a consumed packet goes to a topic nobody can subscribe to.
        if (decision === 'consume') packet.topic = CONSUMED_TOPIC;
        else if (typeof decision === 'object') packet.topic = decision.forwardAs;
        done(null);
      };
      const decision = decide(wrap(client), packet.topic, packet.payload as Buffer, packet.qos, packet.retain);
      if (decision instanceof Promise) decision.then(apply, (err: unknown) => done(err instanceof Error ? err : new Error(String(err))));
      else apply(decision);
    };
  }
  const forward = hooks.authorizeForward;
  out.authorizeForward = (client, packet) => {
    if (packet.topic === CONSUMED_TOPIC) return null;
    return forward === undefined || forward(wrap(client), packet.topic) ? packet : null;
  };
  if (hooks.authorizeSubscribe !== undefined) {
    const decide = hooks.authorizeSubscribe;
    out.authorizeSubscribe = (client, sub, done) => {
      // `$fleetsim/` is the hub's own namespace; only its firmware topics (quarantined devices, OTA) reach the hooks.
      const qos = sub.topic.startsWith('$fleetsim/') && !sub.topic.startsWith('$fleetsim/firmware/') ? null : decide(wrap(client), sub.topic, sub.qos);
      // aedes takes the SUBACK's granted QoS from the request, so a lower grant only limits deliveries.
      done(null, qos === null ? null : { ...sub, qos: qos as typeof sub.qos });
    };
  }
  return out;
}

function attachLifecycle(aedes: Aedes, hooks: BrokerHooks): void {
  if (hooks.connected !== undefined) {
    const f = hooks.connected;
    aedes.on('client', (client) => f(wrap(client)));
  }
  if (hooks.disconnected !== undefined) {
    const f = hooks.disconnected;
    aedes.on('clientDisconnect', (client) => f(wrap(client)));
  }
  if (hooks.acked !== undefined) {
    const f = hooks.acked;
    aedes.on('ack', (packet, client) => {
      if (client !== null && packet !== undefined && 'topic' in packet) f(wrap(client), packet.topic);
    });
  }
}

function createListener(l: ListenerOptions, handle: (s: Duplex) => void, closers: Array<() => void>): NetServer | HttpServer {
  if ((l.scheme === 'mqtts' || l.scheme === 'wss') && l.tls === undefined) {
    throw Object.assign(new Error(`${l.scheme} needs a TLS key and certificate`), { code: 'TLS_REQUIRED' });
  }
  switch (l.scheme) {
    case 'mqtt':
      return createNetServer(handle);
    case 'mqtts':
      return createTlsServer({ ...tlsOptions(l) }, handle);
    case 'ws':
    case 'wss': {
      const http = l.scheme === 'ws' ? createHttpServer() : createHttpsServer({ ...tlsOptions(l) });
      closers.push(attachWebSocket(http, handle));
      return http;
    }
  }
}

/** Ask for a client certificate, accept any (or none): X.509 devices are judged by the authenticate hook. */
function tlsOptions(l: ListenerOptions): { key: Buffer | string | undefined; cert: Buffer | string | undefined; requestCert: true; rejectUnauthorized: false } {
  return { key: l.tls?.key, cert: l.tls?.cert, requestCert: true, rejectUnauthorized: false };
}

function listen(server: NetServer | HttpServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}
