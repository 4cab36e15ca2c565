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
  const record = { deviceId, seq, ts, ...readings };
  return format === 'cbor' ? encode(record) : JSON.stringify(record);
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
