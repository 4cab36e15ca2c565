/**
 * fleetsim's firmware download protocol (docs/secure-os.md), shared by devices and the embedded hub. IoT Hub has no
 * firmware endpoint of its own (Device Update for IoT Hub downloads from a CDN); these follow the shape of its twin
 * topics: a request per chunk, a response on the device's own subscription, matched by $rid.
 *
 *  MQTT:  publish  $fleetsim/firmware/{name}/{version}/get/{chunk}/?$rid={rid}&$size={chunkBytes}
 *         receive  $fleetsim/firmware/res/{status}/?$rid={rid}&$total={imageBytes}   body: the chunk's bytes
 *  HTTPS: GET /firmware/{name}/{version} with Range: bytes=a-b → 206 (the hub paces the body at the rate the device
 *         asks for in x-fleetsim-rate, bytes per second)
 */

export const FIRMWARE_TOPIC_PREFIX = '$fleetsim/firmware/';
export const FIRMWARE_RESPONSE_SUBSCRIPTION = '$fleetsim/firmware/res/#';
export const FIRMWARE_HTTP_PREFIX = '/firmware/';
export const FIRMWARE_RATE_HEADER = 'x-fleetsim-rate';

/** Chunk size when a request does not say ($size absent, as in the original contract). */
export const DEFAULT_FIRMWARE_CHUNK = 16 * 1024;
/** Largest chunk a device may ask for over MQTT (the hub's message size limit is 256 KiB). */
export const MAX_FIRMWARE_CHUNK = 128 * 1024;

export function firmwareChunkTopic(name: string, version: string, chunk: number, rid: string, chunkBytes: number): string {
  return `${FIRMWARE_TOPIC_PREFIX}${name}/${version}/get/${chunk}/?$rid=${rid}&$size=${chunkBytes}`;
}

export function firmwareResponseTopic(status: number, rid: string, totalBytes: number | undefined): string {
  return `${FIRMWARE_TOPIC_PREFIX}res/${status}/?$rid=${rid}${totalBytes === undefined ? '' : `&$total=${totalBytes}`}`;
}

export interface FirmwareChunkRequest {
  readonly name: string;
  readonly version: string;
  readonly chunk: number;
  readonly rid: string;
  readonly chunkBytes: number;
}

const REQUEST_RE = /^\$fleetsim\/firmware\/([^/]+)\/([^/]+)\/get\/(\d+)\/\?(.*)$/;
const RESPONSE_RE = /^\$fleetsim\/firmware\/res\/(\d{3})\/\?(.*)$/;

/** A chunk request, or undefined when the topic is not one (a malformed one too). */
export function parseFirmwareRequest(topic: string): FirmwareChunkRequest | undefined {
  const m = REQUEST_RE.exec(topic);
  if (m === null) return undefined;
  const q = new URLSearchParams(m[4]);
  const rid = q.get('$rid');
  const size = Number(q.get('$size') ?? DEFAULT_FIRMWARE_CHUNK);
  if (rid === null || rid === '' || !Number.isInteger(size) || size <= 0) return undefined;
  return { name: m[1] as string, version: m[2] as string, chunk: Number(m[3]), rid, chunkBytes: size };
}

export function parseFirmwareResponse(topic: string): { status: number; rid: string; totalBytes: number | undefined } | undefined {
  const m = RESPONSE_RE.exec(topic);
  if (m === null) return undefined;
  const q = new URLSearchParams(m[2]);
  const rid = q.get('$rid');
  if (rid === null) return undefined;
  const total = q.get('$total');
  return { status: Number(m[1]), rid, totalBytes: total === null ? undefined : Number(total) };
}

/** The path of an image on the hub's HTTP server. */
export function firmwarePath(name: string, version: string): string {
  return `${FIRMWARE_HTTP_PREFIX}${encodeURIComponent(name)}/${encodeURIComponent(version)}`;
}
