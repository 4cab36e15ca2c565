import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';

/**
 * The certificate chain a client presented in its TLS handshake, leaf first, DER: on mqtts the client's stream is the
 * TLSSocket itself; on wss it is a WebSocket stream whose upgrade request came over a TLSSocket (registered here by
 * websocket.ts). Empty when the client sent no certificate or the connection is not TLS.
 */
const tlsOfStream = new WeakMap<object, TLSSocket>();

export function rememberTlsSocket(stream: object, socket: unknown): void {
  if (isTlsSocket(socket)) tlsOfStream.set(stream, socket);
}

function isTlsSocket(s: unknown): s is TLSSocket {
  return typeof s === 'object' && s !== null && typeof (s as { getPeerCertificate?: unknown }).getPeerCertificate === 'function';
}

export function peerCertificateChain(stream: unknown): Buffer[] {
  const socket = isTlsSocket(stream) ? stream : typeof stream === 'object' && stream !== null ? tlsOfStream.get(stream) : undefined;
  if (socket === undefined) return [];
  const out: Buffer[] = [];
  let c: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  const seen = new Set<string>();
  while (c !== undefined && c.raw !== undefined && !seen.has(c.fingerprint256)) {
    seen.add(c.fingerprint256);
    out.push(c.raw);
    c = c.issuerCertificate;
  }
  return out;
}
