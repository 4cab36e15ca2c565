import { decode, encode } from 'cbor-x';
import type { Readings } from './model.js';

/** The one import site of cbor-x. Telemetry payload encodings: JSON text (default) or a CBOR map. */
export type PayloadFormat = 'json' | 'cbor';

/** deviceId, seq and ts lead the map, so a consumer (the run observer) finds them in either encoding. */
export function encodeTelemetry(
  format: PayloadFormat,
  deviceId: string,
  seq: number,
  ts: number,
  readings: Readings,
): string | Uint8Array {
  return format === 'cbor' ? encode({ deviceId, seq, ts, ...readings }) : telemetryJson(deviceId, seq, ts, readings);
}

/** `,"key":` for each reading name seen: names repeat on every message of a model. */
const quotedKeys = new Map<string, string>();

/**
 * Exactly the text of JSON.stringify({ deviceId, seq, ts, ...readings }), built by concatenation (no merged object, no
 * generic serializer walk: this runs for every message). A reading named deviceId, seq or ts, or with an array-index
 * name (which an object puts first), takes JSON.stringify itself, as does any value that is not a number.
 */
function telemetryJson(deviceId: string, seq: number, ts: number, readings: Readings): string {
  let s = `{"deviceId":${JSON.stringify(deviceId)},"seq":${json(seq)},"ts":${json(ts)}`;
  for (const k in readings) {
    let key = quotedKeys.get(k);
    if (key === undefined) {
      const c = k.charCodeAt(0);
      if (k === 'deviceId' || k === 'seq' || k === 'ts' || (c >= 48 && c <= 57)) return JSON.stringify({ deviceId, seq, ts, ...readings });
      key = `,${JSON.stringify(k)}:`;
      if (quotedKeys.size < 10_000) quotedKeys.set(k, key);
    }
    const v = readings[k];
    s += key + (typeof v === 'number' ? json(v) : JSON.stringify(v));
  }
  return `${s}}`;
}

/** A number as JSON writes it: its shortest round-trip text, null when not finite. */
function json(n: number): string {
  return Number.isFinite(n) ? String(n) : 'null';
}

/** Decode either encoding: a payload whose first byte is "{" is JSON, anything else is tried as CBOR. */
export function decodeTelemetry(payload: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value: unknown = payload[0] === 0x7b ? JSON.parse(Buffer.from(payload).toString('utf8')) : decode(payload);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
