/**
 * The embedded hub's firmware server (docs/secure-os.md): the catalog's images (deterministic from the seed), over
 * HTTP(S) as GET /firmware/{name}/{version} with Range, and over MQTT as chunk requests answered on the device's own
 * response topic (src/iothub/firmware-topics.ts). Images are signed, not secret: the bytes are the vendor's, whoever
 * asks (as a CDN serves them); MQTT requests come only from connected devices, quarantined ones included.
 *
 * HTTP bandwidth is honest: the body of each response is written in slices at the rate the device announces in
 * x-fleetsim-rate (bytes per second, at most MAX_RATE), each slice when its time has come and the socket drained, so
 * the bytes leave the hub no faster than the device's link would carry them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FirmwareCatalog, FirmwareImage } from '../../devices/secure-os/index.js';
import {
  FIRMWARE_HTTP_PREFIX,
  FIRMWARE_RATE_HEADER,
  FIRMWARE_TOPIC_PREFIX,
  MAX_FIRMWARE_CHUNK,
  firmwareResponseTopic,
  parseFirmwareRequest,
} from '../../iothub/firmware-topics.js';
import { parseHubUsername } from '../../iothub/index.js';
import type { BrokerClient, BrokerHooks, PublishDecision } from '../broker.js';

/** Fastest pacing a device may ask for (1 Gbit/s); without the header the body is sent at once. */
const MAX_RATE = 125_000_000;
/** Pacing granularity: a slice every ~20 ms of link time, at least 1 KiB. */
const SLICE_MS = 20;

export interface FirmwareServerStats {
  httpRequests: number;
  httpBytes: number;
  mqttChunks: number;
  mqttBytes: number;
  /** Requests for a release the catalog does not have, or a range outside the image. */
  refused: number;
}

export class FirmwareServer {
  readonly stats: FirmwareServerStats = { httpRequests: 0, httpBytes: 0, mqttChunks: 0, mqttBytes: 0, refused: 0 };

  constructor(private readonly catalog: FirmwareCatalog) {}

  private image(name: string, version: string): FirmwareImage | undefined {
    if (!this.catalog.releases.some((r) => r.name === name && r.version === version)) return undefined;
    return this.catalog.image(name, version);
  }

  /** Handles GET /firmware/{name}/{version}; false for any other request. */
  tryHandle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://hub');
    if (!url.pathname.startsWith(FIRMWARE_HTTP_PREFIX)) return false;
    const [name, version, ...rest] = url.pathname.slice(FIRMWARE_HTTP_PREFIX.length).split('/').map(decodeURIComponent);
    const img = name === undefined || version === undefined || rest.length > 0 ? undefined : this.image(name, version);
    if (req.method !== 'GET' && req.method !== 'HEAD') return this.fail(res, 405, 'only GET and HEAD');
    if (img === undefined) return this.fail(res, 404, `no firmware ${name ?? ''} ${version ?? ''}`);
    const range = parseRange(req.headers.range, img.size);
    if (range === 'invalid') {
      res.setHeader('content-range', `bytes */${img.size}`);
      return this.fail(res, 416, 'range not satisfiable');
    }
    const [from, to] = range ?? [0, img.size - 1];
    const body = img.bytes().subarray(from, to + 1);
    const rate = Math.min(MAX_RATE, Number(req.headers[FIRMWARE_RATE_HEADER]) || MAX_RATE);
    res.writeHead(range === undefined ? 200 : 206, {
      'content-type': 'application/octet-stream',
      'content-length': body.length,
      'accept-ranges': 'bytes',
      'x-fleetsim-digest': img.digest.toString('base64'),
      ...(range === undefined ? {} : { 'content-range': `bytes ${from}-${to}/${img.size}` }),
    });
    this.stats.httpRequests++;
    if (req.method === 'HEAD') {
      res.end();
      return true;
    }
    this.stats.httpBytes += body.length;
    paced(res, body, rate);
    return true;
  }

  private fail(res: ServerResponse, status: number, message: string): true {
    this.stats.refused++;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ errorCode: status * 1000, message }));
    return true;
  }

  /** An MQTT chunk request of a connected device: answered on its response topic, the request consumed. */
  onMqttRequest(client: BrokerClient, topic: string): PublishDecision {
    const r = parseFirmwareRequest(topic);
    if (r === undefined) {
      this.stats.refused++; // no $rid to answer to: acknowledged and dropped
      return 'consume';
    }
    const img = this.image(r.name, r.version);
    const from = r.chunk * r.chunkBytes;
    if (img === undefined || r.chunkBytes > MAX_FIRMWARE_CHUNK || from >= img.size) {
      this.stats.refused++;
      const status = img === undefined ? 404 : 400;
      void client.publish(firmwareResponseTopic(status, r.rid, img?.size), JSON.stringify({ message: img === undefined ? 'no such firmware' : 'chunk out of range' }), 0).catch(() => undefined);
      return 'consume';
    }
    const body = img.bytes().subarray(from, Math.min(img.size, from + r.chunkBytes));
    this.stats.mqttChunks++;
    this.stats.mqttBytes += body.length;
    void client.publish(firmwareResponseTopic(200, r.rid, img.size), body, 0).catch(() => undefined);
    return 'consume';
  }
}

/** A single "bytes=a-b" (or "a-", "-n") range; undefined without a Range header. */
function parseRange(header: string | undefined, size: number): [number, number] | 'invalid' | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (m === null || (m[1] === '' && m[2] === '')) return 'invalid';
  let from: number;
  let to: number;
  if (m[1] === '') {
    from = Math.max(0, size - Number(m[2]));
    to = size - 1;
  } else {
    from = Number(m[1]);
    to = m[2] === '' ? size - 1 : Math.min(size - 1, Number(m[2]));
  }
  return from > to || from >= size ? 'invalid' : [from, to];
}

/**
 * Writes `body` no faster than `rate` bytes per second: each slice leaves once the link could have carried it and
 * everything before it, at start + (bytes up to its end) ÷ rate, so the last byte arrives at start + length ÷ rate
 * (a client reads a response as complete on its last byte).
 */
function paced(res: ServerResponse, body: Buffer, rate: number): void {
  const slice = Math.max(1024, Math.floor((rate * SLICE_MS) / 1000));
  const start = Date.now();
  let sent = 0;
  const next = (): void => {
    if (res.destroyed) return;
    if (sent >= body.length) {
      res.end();
      return;
    }
    const part = body.subarray(sent, sent + slice);
    const wait = start + ((sent + part.length) * 1000) / rate - Date.now();
    if (wait > 0) {
      setTimeout(next, wait);
      return;
    }
    sent += part.length;
    if (res.write(part)) next();
    else res.once('drain', next);
  };
  next();
}

/**
 * Broker hooks that serve firmware requests of devices the hub admitted (a layer around the hub's own hooks): a
 * device may subscribe to its firmware responses and publish chunk requests; everything else goes to `inner`.
 * Quarantined devices are served by the attestation enforcement layer, which calls onMqttRequest itself.
 */
export function firmwareHooks(inner: BrokerHooks, server: FirmwareServer): BrokerHooks {
  const admitted = new WeakSet<BrokerClient>();
  return {
    ...inner,
    authenticate(client, username, password) {
      const device = username !== undefined && parseHubUsername(username) !== undefined;
      const admit = (code: number): number => {
        if (code === 0 && device) admitted.add(client);
        return code;
      };
      const code = inner.authenticate?.(client, username, password) ?? 0;
      return typeof code === 'number' ? admit(code) : code.then(admit);
    },
    authorizePublish(client, topic, payload, qos, retain) {
      if (!topic.startsWith(FIRMWARE_TOPIC_PREFIX)) return inner.authorizePublish?.(client, topic, payload, qos, retain) ?? 'forward';
      return admitted.has(client) && qos <= 1 ? server.onMqttRequest(client, topic) : 'refuse';
    },
    authorizeSubscribe(client, filter, qos) {
      if (!filter.startsWith(`${FIRMWARE_TOPIC_PREFIX}res/`)) return inner.authorizeSubscribe?.(client, filter, qos) ?? null;
      return admitted.has(client) ? Math.min(qos, 1) : null;
    },
    authorizeForward(client, topic) {
      // The hub answers each request on its device's own connection (client.publish); aedes still asks this.
      if (topic.startsWith(`${FIRMWARE_TOPIC_PREFIX}res/`)) return admitted.has(client);
      return inner.authorizeForward?.(client, topic) ?? true;
    },
  };
}
