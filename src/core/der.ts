/**
 * Minimal DER (ITU-T X.690) encoding and reading: enough to build certificates from templates and read back the
 * fields fleetsim's own certificates carry. Pure and synchronous; no general ASN.1 (that is @peculiar/x509's job, in
 * src/core/x509.ts, for tests and tooling).
 */

/** PEM armour of DER bytes (RFC 7468): base64 in 64-character lines between BEGIN and END `label`, ending in a newline. */
export function pem(label: string, der: Buffer): string {
  return `-----BEGIN ${label}-----\n${der.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END ${label}-----\n`;
}

/** One TLV: `tag` (a single identifier byte) around `content`, in one allocation. */
export function tlv(tag: number, ...content: readonly Buffer[]): Buffer {
  let len = 0;
  for (const c of content) len += c.length;
  const lenLen = len < 0x80 ? 0 : len < 0x100 ? 1 : len < 0x10000 ? 2 : len < 0x1000000 ? 3 : 4;
  const out = Buffer.allocUnsafe(2 + lenLen + len);
  out[0] = tag;
  if (lenLen === 0) out[1] = len;
  else {
    out[1] = 0x80 | lenLen;
    for (let i = 0; i < lenLen; i++) out[2 + i] = (len >>> (8 * (lenLen - 1 - i))) & 0xff;
  }
  let off = 2 + lenLen;
  for (const c of content) off += c.copy(out, off);
  return out;
}

export const seq = (...items: readonly Buffer[]): Buffer => tlv(0x30, ...items);
export const set = (...items: readonly Buffer[]): Buffer => tlv(0x31, ...items);
export const octets = (b: Buffer): Buffer => tlv(0x04, b);
export const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'));
export const bool = (v: boolean): Buffer => tlv(0x01, Buffer.from([v ? 0xff : 0x00]));
/** A BIT STRING of whole bytes (no unused bits). */
export const bits = (b: Buffer): Buffer => tlv(0x03, Buffer.from([0]), b);
/** Context-specific tag `n`, constructed (EXPLICIT or IMPLICIT SEQUENCE) or primitive. */
export const ctx = (n: number, constructed: boolean, ...content: readonly Buffer[]): Buffer =>
  tlv((constructed ? 0xa0 : 0x80) | n, ...content);

/** Content bytes of a non-negative INTEGER (minimal, with a sign byte when the high bit is set). */
export function uintContent(value: number | Buffer): Buffer {
  let b: Buffer;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`DER integer must be a non-negative safe integer, got ${value}`);
    const bytes: number[] = [];
    for (let v = value; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    b = Buffer.from(bytes.length === 0 ? [0] : bytes);
  } else {
    let i = 0;
    while (i < value.length - 1 && value[i] === 0) i++;
    b = value.subarray(i);
  }
  return ((b[0] ?? 0) & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), b]) : b;
}

export const uint = (value: number | Buffer): Buffer => tlv(0x02, uintContent(value));

/** OBJECT IDENTIFIER from dotted text. */
export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const [a = 0, b = 0, ...rest] = arcs;
  const out: number[] = [a * 40 + b];
  for (const arc of rest) {
    const groups: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) groups.unshift((v & 0x7f) | 0x80);
    out.push(...groups);
  }
  return tlv(0x06, Buffer.from(out));
}

/** Dotted text of an OBJECT IDENTIFIER's content bytes. */
export function oidText(content: Buffer): string {
  const first = content[0] ?? 0;
  const arcs = [Math.min(2, Math.floor(first / 40)), first - Math.min(2, Math.floor(first / 40)) * 40];
  let v = 0;
  for (let i = 1; i < content.length; i++) {
    const byte = content[i] as number;
    v = v * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      arcs.push(v);
      v = 0;
    }
  }
  return arcs.join('.');
}

const times = new Map<number, Buffer>();

/** UTCTime up to 2049, GeneralizedTime after (RFC 5280 §4.1.2.5), whole seconds. Recent encodings are cached. */
export function time(ms: number): Buffer {
  const s = Math.floor(ms / 1000);
  let out = times.get(s);
  if (out === undefined) {
    const iso = new Date(s * 1000).toISOString(); // 2026-11-23T17:34:25.000Z
    const digits = iso.slice(0, 19).replace(/[-T:]/g, ''); // 20261123173425
    const year = Number(iso.slice(0, 4));
    out = year < 2050 ? tlv(0x17, Buffer.from(`${digits.slice(2)}Z`, 'ascii')) : tlv(0x18, Buffer.from(`${digits}Z`, 'ascii'));
    if (times.size >= 4096) times.clear();
    times.set(s, out);
  }
  return out;
}

/** Epoch ms of a UTCTime / GeneralizedTime TLV. */
export function timeMs(node: Tlv): number {
  const s = node.content.toString('ascii');
  const full = node.tag === 0x17 ? `${Number(s.slice(0, 2)) < 50 ? '20' : '19'}${s}` : s;
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(full);
  if (m === null) throw new DerError(`bad time ${JSON.stringify(s)}`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

export class DerError extends Error {
  override readonly name = 'DerError';
}

/** One TLV read from a buffer: its tag, its whole encoding and its content (both views, no copies). */
export interface Tlv {
  readonly tag: number;
  readonly whole: Buffer;
  readonly content: Buffer;
}

/** The TLV at `offset` of `buf` (single-byte tags only; definite lengths only, as DER requires). */
export function readTlv(buf: Buffer, offset = 0): Tlv {
  const tag = buf[offset];
  let len = buf[offset + 1];
  if (tag === undefined || len === undefined) throw new DerError('truncated');
  let head = 2;
  if (len >= 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new DerError('unsupported length');
    len = 0;
    for (let i = 0; i < n; i++) {
      const b = buf[offset + 2 + i];
      if (b === undefined) throw new DerError('truncated length');
      len = len * 256 + b;
    }
    head += n;
  }
  const end = offset + head + len;
  if (end > buf.length) throw new DerError('truncated content');
  return { tag, whole: buf.subarray(offset, end), content: buf.subarray(offset + head, end) };
}

/** The TLVs inside a constructed TLV's content, in order. */
export function children(node: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let off = 0; off < node.content.length; ) {
    const child = readTlv(node.content, off);
    out.push(child);
    off += child.whole.length;
  }
  return out;
}

/** `children(node)[i]`, or a DerError naming what was expected. */
export function child(node: Tlv, i: number, what: string): Tlv {
  const c = children(node)[i];
  if (c === undefined) throw new DerError(`missing ${what}`);
  return c;
}

/** A whole DER buffer as one TLV, refusing trailing bytes. */
export function readDer(buf: Buffer): Tlv {
  const t = readTlv(buf, 0);
  if (t.whole.length !== buf.length) throw new DerError('trailing bytes');
  return t;
}
