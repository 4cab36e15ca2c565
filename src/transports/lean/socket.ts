/**
 * The byte stream under a lean MQTT connection: TCP (mqtt://), TLS (mqtts://), or a WebSocket with subprotocol "mqtt"
 * (ws://, wss://) seen as a Duplex. TLS settings are read and turned into one SecureContext per transport (not one per
 * connection); only a device with its own client certificate (X.509) gets a context of its own.
 */
import { readFileSync } from 'node:fs';
import { connect as netConnect, isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { type SecureContext, connect as tlsConnect, createSecureContext } from 'node:tls';
import { type WebSocketClientOptions, WebSocket, createWebSocketStream } from '../../core/ws.js';
import type { TlsPlan } from '../../scenario/plan.js';
import { TransportError } from '../transport.js';

export interface BrokerEndpoint {
  readonly scheme: 'mqtt' | 'mqtts' | 'ws' | 'wss';
  readonly host: string;
  readonly port: number;
  readonly href: string;
}

const SCHEMES: Readonly<Record<string, { scheme: BrokerEndpoint['scheme']; port: number }>> = {
  'mqtt:': { scheme: 'mqtt', port: 1883 },
  'tcp:': { scheme: 'mqtt', port: 1883 },
  'mqtts:': { scheme: 'mqtts', port: 8883 },
  'ssl:': { scheme: 'mqtts', port: 8883 },
  'tls:': { scheme: 'mqtts', port: 8883 },
  'ws:': { scheme: 'ws', port: 80 },
  'wss:': { scheme: 'wss', port: 443 },
};

/** Parse a broker URL (mqtt://, mqtts://, ws://, wss://; tcp/ssl/tls as mqtt.js accepts them). */
export function parseEndpoint(url: string): BrokerEndpoint {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TransportError('BAD_URL', `not a broker URL: ${url}`);
  }
  const s = SCHEMES[u.protocol];
  if (s === undefined) throw new TransportError('BAD_URL', `unsupported scheme ${u.protocol} in ${url} (use mqtt://, mqtts://, ws:// or wss://)`);
  // URL keeps IPv6 hosts in brackets; sockets want them bare.
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  return { scheme: s.scheme, host, port: u.port === '' ? s.port : Number(u.port), href: url };
}

/** A fleet's TLS settings, read once. */
export class TlsSettings {
  private readonly ca: Buffer | undefined;
  private readonly cert: Buffer | undefined;
  private readonly key: Buffer | undefined;
  readonly rejectUnauthorized: boolean;
  readonly servername: string | undefined;
  private shared: SecureContext | undefined;

  constructor(tls: TlsPlan | undefined) {
    this.ca = tls?.caFile === undefined ? undefined : readFileSync(tls.caFile);
    this.cert = tls?.certFile === undefined ? undefined : readFileSync(tls.certFile);
    this.key = tls?.keyFile === undefined ? undefined : readFileSync(tls.keyFile);
    this.rejectUnauthorized = tls?.rejectUnauthorized ?? true;
    this.servername = tls?.servername;
  }

  /** The context for a connection: the fleet's (shared), or one with the device's own certificate. */
  context(clientCert: { readonly cert: string; readonly key: string } | undefined): SecureContext {
    if (clientCert !== undefined) return createSecureContext({ ...this.files(), cert: clientCert.cert, key: clientCert.key });
    this.shared ??= createSecureContext(this.files());
    return this.shared;
  }

  /** Options for a wss:// handshake (ws passes them to https). */
  wsOptions(clientCert: { readonly cert: string; readonly key: string } | undefined): WebSocketClientOptions {
    // ws hands its options to https.request, so tls.connect's servername applies though ws's type omits it.
    const o: WebSocketClientOptions & { servername?: string } = { ...this.files(), rejectUnauthorized: this.rejectUnauthorized };
    if (clientCert !== undefined) {
      o.cert = clientCert.cert;
      o.key = clientCert.key;
    }
    if (this.servername !== undefined) o.servername = this.servername;
    return o;
  }

  private files(): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
    return {
      ...(this.ca === undefined ? {} : { ca: this.ca }),
      ...(this.cert === undefined ? {} : { cert: this.cert }),
      ...(this.key === undefined ? {} : { key: this.key }),
    };
  }
}

/** Open the stream to `ep`; bytes written before it is up are queued by Node (net, tls) or by ws's stream. */
export function openStream(
  ep: BrokerEndpoint,
  localAddress: string | undefined,
  tls: TlsSettings,
  clientCert: { readonly cert: string; readonly key: string } | undefined,
): Duplex {
  switch (ep.scheme) {
    case 'mqtt':
      return netConnect({ host: ep.host, port: ep.port, noDelay: true, ...(localAddress === undefined ? {} : { localAddress }) });
    case 'mqtts': {
      const servername = tls.servername ?? (isIP(ep.host) === 0 ? ep.host : undefined);
      const socket = tlsConnect({
        host: ep.host,
        port: ep.port,
        secureContext: tls.context(clientCert),
        rejectUnauthorized: tls.rejectUnauthorized,
        ...(servername === undefined ? {} : { servername }),
        ...(localAddress === undefined ? {} : { localAddress }),
      });
      socket.setNoDelay(true);
      return socket;
    }
    case 'ws':
    case 'wss': {
      const options: WebSocketClientOptions = ep.scheme === 'wss' ? tls.wsOptions(clientCert) : {};
      if (localAddress !== undefined) options.localAddress = localAddress;
      const ws = new WebSocket(ep.href, ['mqtt'], options);
      return createWebSocketStream(ws);
    }
  }
}
