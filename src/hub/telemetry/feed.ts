/**
 * Where the hub's accepted telemetry goes besides MQTT service clients: an NDJSON file or stdout, a webhook, and the
 * service API's streaming endpoint (`GET /fleetsim/telemetry`). Records are built once per message, and only when
 * something listens.
 */
import type { ServerResponse } from 'node:http';
import { type NdjsonSink, ndjsonSink } from './ndjson.js';
import { type AcceptedTelemetry, type TelemetryRecord, telemetryRecord } from './record.js';
import type { TelemetryFeedStats } from '../../metrics/hub-report.js';
import { WebhookSink } from './webhook.js';

export interface TelemetryFeedOptions {
  /** NDJSON file path, or `-` for stdout. */
  readonly stream?: string | undefined;
  /** Webhook URL receiving batches (JSON arrays). */
  readonly webhook?: string | undefined;
}

/** An HTTP streaming client further behind than this loses records (counted) rather than growing the hub's memory. */
const MAX_HTTP_BACKLOG_BYTES = 4 * 1024 * 1024;

export class TelemetryFeed {
  private readonly ndjson: NdjsonSink | undefined;
  private readonly webhook: WebhookSink | undefined;
  private readonly http = new Set<ServerResponse>();
  private readonly httpStats = { streamed: 0, dropped: 0 };

  constructor(private readonly o: TelemetryFeedOptions = {}) {
    this.ndjson = o.stream === undefined ? undefined : ndjsonSink(o.stream);
    this.webhook = o.webhook === undefined ? undefined : new WebhookSink({ url: o.webhook });
  }

  get listening(): boolean {
    return this.ndjson !== undefined || this.webhook !== undefined || this.http.size > 0;
  }

  /** The gateway's onTelemetry. */
  accept(m: AcceptedTelemetry): void {
    if (!this.listening) return;
    const r: TelemetryRecord = telemetryRecord(m);
    this.ndjson?.write(r);
    this.webhook?.write(r);
    if (this.http.size === 0) return;
    const line = `${JSON.stringify(r)}\n`;
    for (const res of this.http) {
      if (res.writableLength > MAX_HTTP_BACKLOG_BYTES) this.httpStats.dropped++;
      else {
        res.write(line);
        this.httpStats.streamed++;
      }
    }
  }

  /** Stream NDJSON to an HTTP response until the client goes away. */
  subscribe(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' });
    res.flushHeaders();
    this.http.add(res);
    res.on('close', () => this.http.delete(res));
  }

  stats(): TelemetryFeedStats {
    const n = this.ndjson;
    return {
      ndjson: n === undefined ? undefined : { target: this.o.stream ?? '', written: n.written, dropped: n.dropped, error: n.error },
      webhook: this.webhook?.snapshot(),
      http: { ...this.httpStats },
    };
  }

  async close(): Promise<void> {
    for (const res of this.http) res.end();
    this.http.clear();
    await Promise.all([this.ndjson?.close(), this.webhook?.close()]);
  }
}
