/**
 * The IoT Hub device HTTPS calls fleetsim's devices make (reference §2.7), over node:http / node:https: the one place
 * device code does HTTP. One keep-alive agent per fleet transport (sockets reused across its devices' requests), with
 * the fleet's `transport.tls` (ca, cert, key, servername, rejectUnauthorized) so a hub with a private CA is trusted as
 * over MQTT. Each call signs a SAS token for the device from its key (renewed before it expires, from the injected
 * clock) and returns the answer, or throws a TransportError whose code is the hub's errorCode (HUB_403006,
 * HUB_429001), Storage's (BLOB_AUTHENTICATION_FAILED), HTTP_<status> when the body has none, or the network failure.
 */
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, type IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Clock } from '../../core/clock.js';
import { HUB_API_VERSION, createSasToken, deviceResource } from '../../iothub/index.js';
import type { TlsPlan } from '../../scenario/plan.js';
import { TransportError } from '../transport.js';

/** Keep-alive agents of one fleet transport, plain and TLS. */
export interface HttpAgents {
  readonly http: HttpAgent;
  readonly https: HttpsAgent;
  readonly servername: string | undefined;
}

export function createHttpAgents(tls: TlsPlan | undefined): HttpAgents {
  const o = { keepAlive: true, maxSockets: 256 };
  const secure =
    tls === undefined
      ? {}
      : {
          rejectUnauthorized: tls.rejectUnauthorized,
          ...(tls.caFile === undefined ? {} : { ca: readFileSync(tls.caFile) }),
          ...(tls.certFile === undefined ? {} : { cert: readFileSync(tls.certFile) }),
          ...(tls.keyFile === undefined ? {} : { key: readFileSync(tls.keyFile) }),
        };
  return { http: new HttpAgent(o), https: new HttpsAgent({ ...o, ...secure }), servername: tls?.servername };
}

export interface DeviceHttpIdentity {
  /** Base URL of the hub's device endpoints, e.g. https://myhub.azure-devices.net or http://127.0.0.1:40123. */
  readonly baseUrl: string;
  readonly hostName: string;
  readonly deviceId: string;
  readonly keyBase64: string;
  readonly sasTtlMs: number;
  readonly clock: Clock;
  readonly agents: HttpAgents;
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

export interface RequestOptions {
  readonly headers?: Record<string, string>;
  readonly body?: Uint8Array | string;
  readonly signal?: AbortSignal;
  /** Resolve with any status (the caller reads it), instead of throwing unless 2xx. */
  readonly anyStatus?: boolean;
}

/** A device's signer and requester: one SAS token reused until 85 % of its lifetime, as the SDKs renew. */
export class DeviceHttpClient {
  private token = '';
  private renewAtMs = 0;

  constructor(readonly id: DeviceHttpIdentity) {}

  authorization(): string {
    const now = this.id.clock.now();
    if (now >= this.renewAtMs) {
      const expiry = Math.floor((now + this.id.sasTtlMs) / 1000);
      this.token = createSasToken({ resourceUri: deviceResource(this.id.hostName, this.id.deviceId), keyBase64: this.id.keyBase64, expiry });
      this.renewAtMs = now + this.id.sasTtlMs * 0.85;
    }
    return this.token;
  }

  /** `path` under /devices/{id}; throws TransportError unless the status is 2xx. */
  call(method: string, path: string, o: RequestOptions = {}): Promise<HttpAnswer> {
    const url = `${this.id.baseUrl}/devices/${encodeURIComponent(this.id.deviceId)}${path}${path.includes('?') ? '&' : '?'}api-version=${HUB_API_VERSION}`;
    return this.request(url, method, { ...o, headers: { authorization: this.authorization(), ...o.headers } });
  }

  /** Any URL (the blob endpoint) with this fleet's agents. */
  request(url: string, method: string, o: RequestOptions = {}): Promise<HttpAnswer> {
    return send(url, method, o, this.id.agents);
  }
}

/**
 * One request. A keep-alive socket the server closed while it sat idle fails with ECONNRESET before any answer: that
 * request never reached the hub, so it is sent once more on a fresh socket (the pattern Node's docs give for
 * `request.reusedSocket`); any other failure is the caller's.
 */
export function send(url: string, method: string, o: RequestOptions, agents: HttpAgents, retried = false): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const secure = u.protocol === 'https:';
    const body = o.body === undefined ? undefined : typeof o.body === 'string' ? Buffer.from(o.body, 'utf8') : o.body;
    const headers = { ...o.headers, 'content-length': String(body?.length ?? 0) };
    const options = {
      method,
      headers,
      ...(o.signal === undefined ? {} : { signal: o.signal }),
      ...(secure ? { agent: agents.https, ...(agents.servername === undefined ? {} : { servername: agents.servername }) } : { agent: agents.http }),
    };
    const fail = (err: unknown) => {
      const e = err as { code?: string; name?: string; message?: string };
      const code = e.name === 'AbortError' ? 'CONNECTION_CLOSED' : (e.code ?? 'REQUEST_FAILED');
      reject(new TransportError(/^[A-Z][A-Z0-9_]*$/.test(code) ? code : 'REQUEST_FAILED', `${method} ${u.origin}${u.pathname}: ${e.message ?? String(err)}`));
    };
    const req = (secure ? httpsRequest : httpRequest)(u, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', fail);
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const answer = { status, headers: res.headers, body: Buffer.concat(chunks) };
        if ((status >= 200 && status < 300) || o.anyStatus === true) resolve(answer);
        else reject(new TransportError(errorCodeOf(answer), `${method} ${u.origin}${u.pathname}: HTTP ${status}`));
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (!retried && req.reusedSocket && err.code === 'ECONNRESET') send(url, method, o, agents, true).then(resolve, reject);
      else fail(err);
    });
    req.end(body);
  });
}

function errorCodeOf(a: HttpAnswer): string {
  const storage = a.headers['x-ms-error-code'];
  if (typeof storage === 'string') return `BLOB_${storage.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`;
  try {
    const parsed = JSON.parse(a.body.toString('utf8')) as { errorCode?: unknown };
    if (typeof parsed.errorCode === 'number') return `HUB_${parsed.errorCode}`;
  } catch {
    // not JSON: the status says it
  }
  return `HTTP_${a.status}`;
}
