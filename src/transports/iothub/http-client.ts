/**
 * The IoT Hub device HTTPS calls fleetsim's devices make (reference §2.7), over Node's built-in fetch: the one place
 * device code does HTTP. Each call signs a SAS token for the device from its key (renewed before it expires, from the
 * injected clock) and returns the status, or throws a TransportError whose code is the hub's errorCode
 * (HUB_403006, HUB_429001, BLOB_AUTHENTICATION_FAILED; HTTP_401 when the body has no code) or the network failure.
 */
import type { Clock } from '../../core/clock.js';
import { HUB_API_VERSION, createSasToken, deviceResource } from '../../iothub/index.js';
import { TransportError } from '../transport.js';

export interface DeviceHttpIdentity {
  /** Base URL of the hub's device endpoints, e.g. https://myhub.azure-devices.net or http://127.0.0.1:40123. */
  readonly baseUrl: string;
  readonly hostName: string;
  readonly deviceId: string;
  readonly keyBase64: string;
  readonly sasTtlMs: number;
  readonly clock: Clock;
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Uint8Array;
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
  async call(method: string, path: string, o: { headers?: Record<string, string>; body?: Uint8Array | string; signal?: AbortSignal } = {}): Promise<HttpAnswer> {
    const url = `${this.id.baseUrl}/devices/${encodeURIComponent(this.id.deviceId)}${path}${path.includes('?') ? '&' : '?'}api-version=${HUB_API_VERSION}`;
    return request(url, method, { ...o, headers: { authorization: this.authorization(), ...o.headers } });
  }
}

/** One HTTP request; a non-2xx answer throws TransportError with the IoT Hub errorCode (or HTTP_<status>). */
export async function request(url: string, method: string, o: { headers?: Record<string, string>; body?: Uint8Array | string; signal?: AbortSignal } = {}): Promise<HttpAnswer> {
  let res: Response;
  try {
    res = await fetch(url, { method, ...(o.headers === undefined ? {} : { headers: o.headers }), ...(o.body === undefined ? {} : { body: o.body }), ...(o.signal === undefined ? {} : { signal: o.signal }) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    const code = (err as { name?: string }).name === 'AbortError' ? 'CONNECTION_CLOSED' : (cause?.code ?? 'REQUEST_FAILED');
    throw new TransportError(code, `${method} ${url}: ${(err as Error).message}`);
  }
  const body = new Uint8Array(await res.arrayBuffer());
  if (res.status >= 200 && res.status < 300) return { status: res.status, headers: res.headers, body };
  throw new TransportError(errorCodeOf(res.status, res.headers, body), `${method} ${url}: HTTP ${res.status}`);
}

function errorCodeOf(status: number, headers: Headers, body: Uint8Array): string {
  const storage = headers.get('x-ms-error-code');
  if (storage !== null) return `BLOB_${storage.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`;
  try {
    const parsed = JSON.parse(Buffer.from(body).toString('utf8')) as { errorCode?: unknown };
    if (typeof parsed.errorCode === 'number') return `HUB_${parsed.errorCode}`;
  } catch {
    // not JSON: the status says it
  }
  return `HTTP_${status}`;
}
