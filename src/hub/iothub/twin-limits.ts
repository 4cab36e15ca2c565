import { IotHubError } from './errors.js';
import { type JsonObject, type JsonValue, isJsonObject } from './json.js';

/** Twin limits (reference §2.4): sizes in bytes as IoT Hub counts them (see twinSize). */
export const TWIN_LIMITS = {
  desiredBytes: 32 * 1024,
  reportedBytes: 32 * 1024,
  tagsBytes: 8 * 1024,
  /** Keys may nest this deep: a key at the section root is level 1. */
  maxDepth: 10,
  keyBytes: 1024,
  /** A string value, or an array value as a whole. */
  valueBytes: 4 * 1024,
  maxInteger: 4503599627370495,
} as const;

export type TwinSection = 'tags' | 'desired' | 'reported';

/** The size limit of a twin section. */
export function sectionLimit(section: TwinSection): number {
  return section === 'tags' ? TWIN_LIMITS.tagsBytes : section === 'desired' ? TWIN_LIMITS.desiredBytes : TWIN_LIMITS.reportedBytes;
}

/** UTF-8 bytes of a string, not counting Unicode control characters (C0 and C1), as IoT Hub sizes twins. */
export function twinStringSize(s: string): number {
  let n = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (c <= 0x1f || (c >= 0x7f && c <= 0x9f)) continue;
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return n;
}

/**
 * Size of a twin value per IoT Hub: strings as twinStringSize, numbers 8 bytes, booleans 4, objects the sum of
 * key sizes plus value sizes, arrays the sum of their elements. `null` (only left inside arrays) counts 4.
 */
export function twinSize(v: JsonValue): number {
  if (typeof v === 'string') return twinStringSize(v);
  if (typeof v === 'number') return 8;
  if (typeof v === 'boolean' || v === null) return 4;
  if (Array.isArray(v)) {
    let n = 0;
    for (const x of v) n += twinSize(x);
    return n;
  }
  let n = 0;
  for (const k of Object.keys(v)) {
    if (k.startsWith('$')) continue; // $version / $metadata are excluded
    n += twinStringSize(k) + twinSize(v[k] as JsonValue);
  }
  return n;
}

function bad(message: string): IotHubError {
  return new IotHubError('ArgumentInvalid', message);
}

/** Null when `key` is a legal twin property name, else why not. */
export function twinKeyProblem(key: string): string | null {
  if (key.length === 0) return 'empty property name';
  if (Buffer.byteLength(key, 'utf8') > TWIN_LIMITS.keyBytes) return `property name longer than ${TWIN_LIMITS.keyBytes} bytes`;
  for (const ch of key) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '.' || ch === '$' || ch === ' ' || c <= 0x1f || (c >= 0x7f && c <= 0x9f)) {
      return `property name contains ${c < 0x20 || c >= 0x7f ? `control character U+${c.toString(16).padStart(4, '0').toUpperCase()}` : JSON.stringify(ch)}`;
    }
  }
  return null;
}

/**
 * Validate a patch (or a full replacement) for a twin section: a JSON object; keys legal; depth ≤ 10; strings and
 * arrays ≤ 4 KB; integers within ±4503599627370495; `null` only as a delete marker (when `allowNull`) or in arrays.
 * Throws IotHubError 400004 with the offending path.
 */
export function validateTwinPatch(section: TwinSection, patch: unknown, allowNull: boolean): asserts patch is JsonObject {
  if (!isJsonObject(patch)) throw bad(`${section}: expected a JSON object`);
  walk(patch, section, 1, allowNull);
}

function walk(obj: JsonObject, path: string, level: number, allowNull: boolean): void {
  if (level > TWIN_LIMITS.maxDepth) throw bad(`${path}: nested deeper than ${TWIN_LIMITS.maxDepth} levels`);
  for (const key of Object.keys(obj)) {
    const keyProblem = twinKeyProblem(key);
    const at = `${path}.${key}`;
    if (keyProblem !== null) throw bad(`${at}: ${keyProblem}`);
    const v = obj[key] as JsonValue;
    if (v === null) {
      if (!allowNull) throw bad(`${at}: null is not a value here`);
    } else value(v, at, level, allowNull);
  }
}

function value(v: JsonValue, at: string, level: number, allowNull: boolean): void {
  if (typeof v === 'string') {
    if (Buffer.byteLength(v, 'utf8') > TWIN_LIMITS.valueBytes) throw bad(`${at}: string value longer than ${TWIN_LIMITS.valueBytes} bytes`);
  } else if (typeof v === 'number') {
    if (!Number.isFinite(v) || (Number.isInteger(v) && Math.abs(v) > TWIN_LIMITS.maxInteger)) {
      throw bad(`${at}: integer ${v} outside ±${TWIN_LIMITS.maxInteger}`);
    }
  } else if (Array.isArray(v)) {
    if (twinSize(v) > TWIN_LIMITS.valueBytes) throw bad(`${at}: array value larger than ${TWIN_LIMITS.valueBytes} bytes`);
    v.forEach((x, i) => {
      if (x !== null) value(x, `${at}[${i}]`, level, false);
    });
  } else if (isJsonObject(v)) {
    walk(v, at, level + 1, allowNull);
  }
}

/** 400004 when a section grew past its limit (IoT Hub rejects operations that would *increase* the size above it). */
export function checkSectionSize(section: TwinSection, before: number, after: number): void {
  const limit = sectionLimit(section);
  if (after > limit && after > before) {
    throw bad(`${section} would be ${after} bytes, over the ${limit}-byte limit`);
  }
}
