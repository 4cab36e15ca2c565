/** JSON value types shared by the twin store and the query engine. */
export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** True for a plain JSON object (not an array, not null). */
export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** UTF-8 byte length of a string. */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** ISO-8601 with milliseconds and `Z`, as IoT Hub prints timestamps. */
export function isoMs(ms: number): string {
  return new Date(Math.floor(ms)).toISOString();
}

/** IoT Hub's "never" timestamp (shown for times that were never set). */
export const NEVER_ISO = '0001-01-01T00:00:00Z';

/** Deep copy of a JSON value. */
export function cloneJson<T extends JsonValue>(v: T): T {
  return structuredClone(v);
}

/** Structural equality of two JSON values (object key order ignored). */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isJsonObject(a)) {
    if (!isJsonObject(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/** Etag in the twin style: base64 of the 8-byte big-endian version ("AAAAAAAAAAE=" for 1). */
export function versionEtag(version: number): string {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(version));
  return b.toString('base64');
}

/** Strip surrounding quotes (and a weak `W/` prefix) from an If-Match / ETag header value. */
export function normalizeEtag(etag: string): string {
  let e = etag.trim();
  if (e.startsWith('W/')) e = e.slice(2);
  if (e.length >= 2 && e.startsWith('"') && e.endsWith('"')) e = e.slice(1, -1);
  return e;
}
