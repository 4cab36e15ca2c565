/**
 * The MQTT frames the lean client reads and writes by hand, allocation-free where it matters: splitting a byte stream
 * into frames (PUBACK and PINGRESP decoded in place, everything else handed on as one complete frame), PUBLISH
 * frames built from a pre-encoded topic, and CONNECT (once per connection, on a path that runs cold: mqtt-packet's
 * generic writer cost 8–11 µs a frame over a fleet's first 5,000). Everything rarer goes through mqtt-packet (codec.ts).
 */

/** What the frame scanner reports; one object per connection (the connection itself), no closures. */
export interface FrameSink {
  /** PUBACK: packet id and reason code (MQTT 5; 0 when absent, as it always is in 3.1.1). */
  onPuback(id: number, reasonCode: number): void;
  onPingresp(): void;
  /** Any other packet, as one complete frame (fixed header included); a view into the chunk, valid during the call. */
  onFrame(frame: Buffer): void;
  /** Whether the sink stopped reading (its connection ended during a callback). */
  readonly stopped: boolean;
}

/** MQTT control packet types (the fixed header's high nibble). */
export const PUBLISH = 3;
export const PUBACK = 4;
export const PINGRESP = 13;

/** A malformed remaining-length field (more than 4 bytes): the stream cannot be framed any further. */
export const MALFORMED = -1;

/**
 * Scan `buf` for complete frames and report each to `sink`. Returns the offset of the first byte not consumed (a
 * partial frame to keep for the next chunk), or MALFORMED.
 */
export function scanFrames(buf: Buffer, sink: FrameSink): number {
  const n = buf.length;
  let i = 0;
  while (n - i >= 2) {
    // Remaining length: 1–4 bytes, 7 bits each, least significant first.
    let len = 0;
    let mul = 1;
    let j = i + 1;
    let complete = false;
    for (let k = 0; k < 4 && j < n; k++) {
      const b = buf[j++] as number;
      len += (b & 0x7f) * mul;
      mul *= 128;
      if ((b & 0x80) === 0) {
        complete = true;
        break;
      }
    }
    if (!complete) return j - i >= 5 ? MALFORMED : i;
    const end = j + len;
    if (end > n) return i;
    const type = (buf[i] as number) >> 4;
    if (type === PUBACK && len >= 2) sink.onPuback(((buf[j] as number) << 8) | (buf[j + 1] as number), len >= 3 ? (buf[j + 2] as number) : 0);
    else if (type === PINGRESP) sink.onPingresp();
    else sink.onFrame(buf.subarray(i, end));
    i = end;
    if (sink.stopped) return n;
  }
  return i;
}

/**
 * Read one chunk from the socket: frames completed by it go to `sink`; returns the partial frame to keep for the next
 * chunk (a copy, so a large chunk is never pinned by its tail), undefined when nothing is left over, or MALFORMED.
 */
export function readChunk(rest: Buffer | undefined, chunk: Buffer, sink: FrameSink): Buffer | undefined | typeof MALFORMED {
  const buf = rest === undefined ? chunk : Buffer.concat([rest, chunk]);
  const used = scanFrames(buf, sink);
  if (used === MALFORMED) return MALFORMED;
  return used < buf.length && !sink.stopped ? Buffer.from(buf.subarray(used)) : undefined;
}

/** Bytes of an MQTT variable byte integer. */
export function varintLength(n: number): number {
  return n < 128 ? 1 : n < 16_384 ? 2 : n < 2_097_152 ? 3 : 4;
}

/** Write `n` as an MQTT variable byte integer at `offset`; returns the offset after it. */
function writeVarint(out: Buffer, offset: number, n: number): number {
  let o = offset;
  let r = n;
  do {
    let b = r % 128;
    r = Math.floor(r / 128);
    if (r > 0) b |= 0x80;
    out[o++] = b;
  } while (r > 0);
  return o;
}

/** A topic as PUBLISH carries it: 2-byte length, then UTF-8. Encoded once per device and reused for every publish. */
export function encodeTopic(topic: string): Buffer {
  const len = Buffer.byteLength(topic);
  const out = Buffer.allocUnsafe(2 + len);
  out.writeUInt16BE(len, 0);
  out.write(topic, 2);
  return out;
}

/**
 * One PUBLISH frame: fixed header, the pre-encoded topic, the packet id (QoS 1), an empty property list (MQTT 5), the
 * payload. One allocation (from Node's buffer pool for small frames), one copy of the payload.
 */
export function encodePublish(topic: Buffer, payload: string | Uint8Array, qos: 0 | 1, id: number, v5: boolean): Buffer {
  const payloadLen = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
  const rem = topic.length + (qos === 1 ? 2 : 0) + (v5 ? 1 : 0) + payloadLen;
  const out = Buffer.allocUnsafe(1 + varintLength(rem) + rem);
  out[0] = (PUBLISH << 4) | (qos << 1);
  let o = writeVarint(out, 1, rem);
  o += topic.copy(out, o);
  if (qos === 1) {
    out[o++] = id >> 8;
    out[o++] = id & 0xff;
  }
  if (v5) out[o++] = 0;
  if (typeof payload === 'string') out.write(payload, o);
  else out.set(payload, o);
  return out;
}

export interface ConnectFields {
  readonly protocolVersion: 4 | 5;
  readonly clientId: string;
  readonly clean: boolean;
  readonly keepaliveS: number;
  readonly username: string | undefined;
  readonly password: string | undefined;
}

/**
 * CONNECT, MQTT 3.1.1 or 5, no will and no MQTT 5 properties (the lean client sends neither): the bytes mqtt-packet's
 * generate() writes for the same fields (test/unit/lean-frames.test.ts compares them), and its refusals (a password
 * without a user name, an empty client id with a persistent session, a string or keepalive past 16 bits).
 */
export function encodeConnect(f: ConnectFields): Buffer {
  if (f.password !== undefined && f.username === undefined) throw new Error('Username is required to use password');
  if (f.clientId === '' && !f.clean) throw new Error('clientId must be given if cleanSession set to 0');
  if (!Number.isInteger(f.keepaliveS) || f.keepaliveS < 0 || f.keepaliveS > 65535) throw new Error('Invalid keepalive');
  const v5 = f.protocolVersion === 5;
  const id = Buffer.byteLength(f.clientId);
  const user = f.username === undefined ? -1 : Buffer.byteLength(f.username);
  const pass = f.password === undefined ? -1 : Buffer.byteLength(f.password);
  if (id > 65535 || user > 65535 || pass > 65535) throw new Error('Invalid string length: a CONNECT field is longer than 65,535 bytes');
  // "MQTT", level, flags, keepalive (10 bytes), MQTT 5's empty property list, then the length-prefixed strings.
  const rem = 10 + (v5 ? 1 : 0) + 2 + id + (user >= 0 ? 2 + user : 0) + (pass >= 0 ? 2 + pass : 0);
  const out = Buffer.allocUnsafe(1 + varintLength(rem) + rem);
  out[0] = 0x10;
  let o = writeVarint(out, 1, rem);
  o = out.writeUInt16BE(4, o);
  o += out.write('MQTT', o, 'latin1');
  out[o++] = f.protocolVersion;
  out[o++] = (user >= 0 ? 0x80 : 0) | (pass >= 0 ? 0x40 : 0) | (f.clean ? 0x02 : 0);
  o = out.writeUInt16BE(f.keepaliveS, o);
  if (v5) out[o++] = 0;
  o = out.writeUInt16BE(id, o);
  o += out.write(f.clientId, o);
  if (f.username !== undefined) {
    o = out.writeUInt16BE(user, o);
    o += out.write(f.username, o);
  }
  if (f.password !== undefined) {
    o = out.writeUInt16BE(pass, o);
    out.write(f.password, o);
  }
  return out;
}

/** PUBACK for an incoming QoS 1 PUBLISH (reason code omitted: success, valid in 3.1.1 and 5). */
export function encodePuback(id: number): Buffer {
  const out = Buffer.allocUnsafe(4);
  out[0] = PUBACK << 4;
  out[1] = 2;
  out[2] = id >> 8;
  out[3] = id & 0xff;
  return out;
}

export const PINGREQ_FRAME: Buffer = Buffer.from([0xc0, 0x00]);
/** DISCONNECT, normal (MQTT 5 allows the reason code and properties to be omitted when 0). */
export const DISCONNECT_FRAME: Buffer = Buffer.from([0xe0, 0x00]);
