import { type Server as HttpServer, createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type Server as NetServer, createServer as createNetServer } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes } from 'aedes';
import { attachWebSocket } from './websocket.js';

/** The one import site of aedes: an MQTT broker behind one or more listeners. */
export type ListenerScheme = 'mqtt' | 'mqtts' | 'ws' | 'wss';

export interface ListenerOptions {
  readonly scheme: ListenerScheme;
  readonly host: string;
  /** 0: pick a free port. */
  readonly port: number;
  /** PEM key and certificate, required for mqtts and wss. */
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

export interface BrokerOptions {
  readonly authenticate?: Authenticate;
}

export interface Broker {
  readonly listening: readonly Listening[];
  close(): Promise<void>;
}

export async function startBroker(listeners: readonly ListenerOptions[], options: BrokerOptions = {}): Promise<Broker> {
  const auth = options.authenticate;
  const aedes = await Aedes.createBroker(
    auth === undefined
      ? {}
      : {
          authenticate: (client, username, password, done) => {
            const code = auth(client.id, username, password);
            if (code === 0) done(null, true);
            else done(Object.assign(new Error('refused'), { returnCode: code }) as Parameters<typeof done>[0], false);
          },
        },
  );
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
    close: async () => {
      for (const c of closers) c();
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
      await new Promise<void>((r) => aedes.close(() => r()));
    },
  };
}

function createListener(l: ListenerOptions, handle: (s: Duplex) => void, closers: Array<() => void>): NetServer | HttpServer {
  if ((l.scheme === 'mqtts' || l.scheme === 'wss') && l.tls === undefined) {
    throw Object.assign(new Error(`${l.scheme} needs a TLS key and certificate`), { code: 'TLS_REQUIRED' });
  }
  switch (l.scheme) {
    case 'mqtt':
      return createNetServer(handle);
    case 'mqtts':
      return createTlsServer({ key: l.tls?.key, cert: l.tls?.cert }, handle);
    case 'ws':
    case 'wss': {
      const http = l.scheme === 'ws' ? createHttpServer() : createHttpsServer({ key: l.tls?.key, cert: l.tls?.cert });
      closers.push(attachWebSocket(http, handle));
      return http;
    }
  }
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
