/**
 * A device downloads a firmware image (docs/secure-os.md): over its MQTT connection in chunks, or over HTTPS with
 * Range requests. Both honour the device's link bandwidth: over MQTT the device asks for chunk k no earlier than
 * start + (bytes so far) ÷ rate (a request and its answer in flight at a time, as a constrained device does); over
 * HTTPS the hub paces the response body at the rate the device announces (x-fleetsim-rate), so the bytes really
 * arrive that slowly. Either way the time measured is the time the bytes took.
 */
import {
  FIRMWARE_RATE_HEADER,
  firmwareChunkTopic,
  firmwarePath,
  parseFirmwareResponse,
} from '../../iothub/firmware-topics.js';
import { type HttpAgents, send } from '../iothub/http-client.js';
import { type Connection, TransportError } from '../transport.js';

export interface DownloadOptions {
  readonly name: string;
  readonly version: string;
  readonly sizeBytes: number;
  readonly chunkBytes: number;
  readonly bytesPerS: number;
  /** Per request (chunk or range). */
  readonly timeoutMs: number;
  readonly now: () => number;
}

type Pending = { resolve: (b: Buffer) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };

/** The firmware requests of one MQTT connection: responses arrive on its subscription and are matched by $rid. */
export class FirmwareOverMqtt {
  private rid = 0;
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly conn: Connection) {}

  /** A response topic for this connection's requests: handled (true), or not a firmware response (false). */
  onMessage(topic: string, payload: Buffer): boolean {
    const r = parseFirmwareResponse(topic);
    if (r === undefined) return false;
    const p = this.pending.get(r.rid);
    if (p === undefined) return true;
    this.pending.delete(r.rid);
    clearTimeout(p.timer);
    if (r.status === 200) p.resolve(payload);
    else p.reject(new TransportError(`FIRMWARE_${r.status}`, `firmware chunk refused: status ${r.status} ${payload.toString('utf8').slice(0, 200)}`));
    return true;
  }

  /** The connection ended: every request in flight fails. */
  closed(): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new TransportError('CONNECTION_CLOSED', 'the connection closed during the download'));
    }
    this.pending.clear();
  }

  private chunk(o: DownloadOptions, k: number): Promise<Buffer> {
    const rid = (++this.rid).toString(16);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(rid);
        reject(new TransportError('FIRMWARE_TIMEOUT', `no answer to firmware chunk ${k} in ${o.timeoutMs} ms`));
      }, o.timeoutMs);
      this.pending.set(rid, { resolve, reject, timer });
      this.conn.publish(firmwareChunkTopic(o.name, o.version, k, rid, o.chunkBytes), '', 0, (err) => {
        if (err === undefined) return;
        clearTimeout(timer);
        this.pending.delete(rid);
        reject(err);
      });
    });
  }

  async download(o: DownloadOptions): Promise<Buffer> {
    const parts: Buffer[] = [];
    const started = o.now();
    let got = 0;
    for (let k = 0; got < o.sizeBytes; k++) {
      const due = started + (got * 1000) / o.bytesPerS;
      const wait = due - o.now();
      if (wait > 0) await sleep(wait);
      const part = await this.chunk(o, k);
      if (part.length === 0) throw new TransportError('FIRMWARE_SHORT', `firmware chunk ${k} is empty before the end of the image`);
      parts.push(part);
      got += part.length;
    }
    // The last chunk's bytes take their time on the link too.
    const end = started + (got * 1000) / o.bytesPerS - o.now();
    if (end > 0) await sleep(end);
    return Buffer.concat(parts);
  }
}

/** The image over HTTPS: one Range request per chunkBytes, the hub pacing each body at bytesPerS. */
export async function downloadOverHttps(baseUrl: string, agents: HttpAgents, o: DownloadOptions): Promise<Buffer> {
  const url = `${baseUrl.replace(/\/$/, '')}${firmwarePath(o.name, o.version)}`;
  const parts: Buffer[] = [];
  for (let from = 0; from < o.sizeBytes; ) {
    const to = Math.min(o.sizeBytes, from + o.chunkBytes) - 1;
    const headers = { range: `bytes=${from}-${to}`, [FIRMWARE_RATE_HEADER]: String(Math.round(o.bytesPerS)) };
    const answer = await send(url, 'GET', { headers, signal: AbortSignal.timeout(o.timeoutMs) }, agents);
    if (answer.status !== 206 || answer.body.length !== to - from + 1) {
      throw new TransportError('FIRMWARE_BAD_RANGE', `GET ${url} bytes=${from}-${to}: HTTP ${answer.status}, ${answer.body.length} bytes`);
    }
    parts.push(answer.body);
    from = to + 1;
  }
  return Buffer.concat(parts);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
