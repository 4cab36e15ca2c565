/**
 * The Azure IoT Hub device dialect over HTTPS (reference §2.7): no connection, so "connecting" is one C2D poll, which
 * proves the SAS is accepted (a 401 fails the connect as NOT_AUTHORIZED); each telemetry publish is one
 * `POST /devices/{id}/messages/events` with the topic's property bag as iothub-* headers, acknowledged by its 204; C2D
 * messages are polled every c2dPollInterval (and again at once after a message, until the queue is empty), run as
 * commands when their JSON body names one, and completed (`DELETE …/devicebound/{etag}`). Methods and twins do not
 * exist over HTTPS in IoT Hub. Closing or dropping aborts the requests in flight and stops polling.
 */
import type { Clock } from '../../core/clock.js';
import { APP_HEADER_PREFIX, SYSTEM_HEADERS, parseDeviceTopic, parsePropertyBag } from '../../iothub/index.js';
import type { CloseInfo, ConnectOptions, Connection, PublishCallback } from '../transport.js';
import { TransportError } from '../transport.js';
import { DeviceHttpClient } from './http-client.js';

/** The request headers of a telemetry topic's property bag (`devices/{id}/messages/events/{bag}`). */
export function telemetryHeaders(topic: string): Record<string, string> {
  const slash = topic.indexOf('/messages/events/');
  const props = parsePropertyBag(slash < 0 ? '' : topic.slice(slash + '/messages/events/'.length));
  const h: Record<string, string> = {};
  for (const [field, name] of SYSTEM_HEADERS) {
    const v = props[field];
    if (v !== undefined) h[name] = v;
  }
  for (const [k, v] of Object.entries(props.app)) h[`${APP_HEADER_PREFIX}${k}`] = v ?? '';
  if (props.contentType !== undefined) h['content-type'] = props.contentType;
  return h;
}

export interface HttpsConnectionOptions {
  readonly client: DeviceHttpClient;
  readonly pollMs: number;
  readonly clock: Clock;
}

export async function connectHttps(options: ConnectOptions, o: HttpsConnectionOptions): Promise<Connection> {
  const conn = new HttpsConnection(options, o);
  await conn.poll(true);
  conn.schedule();
  return conn;
}

class HttpsConnection implements Connection {
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private inFlight = 0;

  constructor(
    private readonly options: ConnectOptions,
    private readonly o: HttpsConnectionOptions,
  ) {}

  get pending(): number {
    return this.inFlight;
  }

  publish(topic: string, payload: string | Uint8Array, _qos: 0 | 1, done: PublishCallback, ref = 0): void {
    if (this.closed) {
      done(new TransportError('CONNECTION_CLOSED', 'the HTTPS device is closed'), ref);
      return;
    }
    if (parseDeviceTopic(topic)?.kind !== 'telemetry') {
      done(undefined, ref); // twin and method traffic has no HTTPS form: nothing to send
      return;
    }
    this.inFlight++;
    this.o.client.call('POST', '/messages/events', { headers: telemetryHeaders(topic), body: payload, signal: this.abort.signal }).then(
      () => {
        this.inFlight--;
        done(undefined, ref);
      },
      (err: unknown) => {
        this.inFlight--;
        done(err instanceof Error ? err : new Error(String(err)), ref);
        if ((err as TransportError).code === 'HTTP_401') this.end({ code: 'NOT_AUTHORIZED', local: false });
      },
    );
  }

  subscribe(filters: ReadonlyArray<{ readonly topic: string; readonly qos: 0 | 1 }>): Promise<number[]> {
    return Promise.resolve(filters.map((f) => f.qos));
  }

  close(): Promise<void> {
    this.end({ code: 'CLOSED', local: true });
    return Promise.resolve();
  }

  drop(): void {
    this.end({ code: 'DROPPED', local: true });
  }

  schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.poll(false).finally(() => this.schedule()), this.o.pollMs);
    this.timer.unref();
  }

  /** Receive (and complete) C2D messages until none is waiting. On connect a failure rejects; later ones are ignored but a 401 ends the device's session. */
  async poll(connecting: boolean): Promise<void> {
    try {
      for (let n = 0; n < 50 && !this.closed; n++) {
        const got = await this.o.client.call('GET', '/messages/devicebound', { signal: this.abort.signal });
        if (got.status === 204) return;
        this.deliver(got.body);
        const etag = got.headers.etag;
        const lock = (typeof etag === 'string' ? etag : '').replaceAll('"', '');
        if (lock !== '') await this.o.client.call('DELETE', `/messages/devicebound/${encodeURIComponent(lock)}`, { signal: this.abort.signal });
      }
    } catch (err) {
      const code = (err as TransportError).code;
      if (connecting) throw code === 'HTTP_401' ? new TransportError('NOT_AUTHORIZED', (err as Error).message) : err;
      if (code === 'HTTP_401') this.end({ code: 'NOT_AUTHORIZED', local: false });
    }
  }

  private deliver(body: Buffer): void {
    let parsed: unknown = null;
    try {
      parsed = body.length === 0 ? null : JSON.parse(body.toString('utf8'));
    } catch {
      parsed = null;
    }
    const m = parsed as { command?: unknown; payload?: unknown } | null;
    if (m !== null && typeof m === 'object' && typeof m.command === 'string') this.options.onDownlink?.('c2d', { name: m.command, payload: m.payload });
    else this.options.onDownlink?.('c2d', undefined);
  }

  private end(info: CloseInfo): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.abort.abort();
    queueMicrotask(() => this.options.onClose(info));
  }
}
