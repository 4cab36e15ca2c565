import { describe, expect, it } from 'vitest';
import { generate } from 'mqtt-packet';
import { encodeSubscribe, parseFrame } from '../../src/transports/lean/codec.js';
import { type ConnectFields, type FrameSink, MALFORMED, encodeConnect, encodePublish, encodePuback, encodeTopic, readChunk, scanFrames } from '../../src/transports/lean/frames.js';

/** Records what the scanner reports; stops after `stopAfter` events when given. */
class Recorder implements FrameSink {
  readonly events: string[] = [];
  readonly frames: Buffer[] = [];
  constructor(private readonly stopAfter = Infinity) {}
  get stopped(): boolean {
    return this.events.length >= this.stopAfter;
  }
  onPuback(id: number, rc: number): void {
    this.events.push(`puback ${id} ${rc}`);
  }
  onPingresp(): void {
    this.events.push('pingresp');
  }
  onFrame(frame: Buffer): void {
    this.frames.push(Buffer.from(frame));
    this.events.push(`frame ${parseFrame(frame, 4).cmd}`);
  }
}

/** Feed `bytes` in chunks cut at `cuts`, carrying the partial frame as the connection does. */
function feed(bytes: Buffer, cuts: number[], sink: FrameSink): void {
  let rest: Buffer | undefined;
  let from = 0;
  for (const to of [...cuts, bytes.length]) {
    const r = readChunk(rest, bytes.subarray(from, to), sink);
    if (r === MALFORMED) throw new Error('malformed');
    rest = r;
    from = to;
  }
  expect(rest).toBeUndefined();
}

const CONNACK = Buffer.from([0x20, 0x02, 0x00, 0x00]);
const PINGRESP = Buffer.from([0xd0, 0x00]);

describe('lean client frames: PUBACK and PINGRESP by hand, the rest whole to mqtt-packet', () => {
  it('decodes a 3.1.1 PUBACK in place, packet id big-endian', () => {
    const r = new Recorder();
    expect(scanFrames(Buffer.from([0x40, 0x02, 0x12, 0x34]), r)).toBe(4);
    expect(r.events).toEqual([`puback ${0x1234} 0`]);
  });

  it('reads an MQTT 5 PUBACK reason code, with or without properties', () => {
    const r = new Recorder();
    scanFrames(Buffer.from([0x40, 0x03, 0x00, 0x05, 0x87, 0x40, 0x04, 0x00, 0x06, 0x10, 0x00]), r);
    expect(r.events).toEqual(['puback 5 135', 'puback 6 16']);
  });

  it('several packets in one chunk come out in order', () => {
    const r = new Recorder();
    const publish = encodePublish(encodeTopic('c2d/x'), 'hello', 1, 7, false);
    const chunk = Buffer.concat([CONNACK, encodePuback(1), PINGRESP, publish, encodePuback(2)]);
    expect(scanFrames(chunk, r)).toBe(chunk.length);
    expect(r.events).toEqual(['frame connack', 'puback 1 0', 'pingresp', 'frame publish', 'puback 2 0']);
    const p = parseFrame(r.frames[1] as Buffer, 4);
    expect(p).toMatchObject({ cmd: 'publish', topic: 'c2d/x', qos: 1, messageId: 7 });
    expect(p.cmd === 'publish' && p.payload.toString()).toBe('hello');
  });

  it('a frame split anywhere across reads, including inside a multi-byte remaining length, is read once whole', () => {
    const big = encodePublish(encodeTopic('t'), 'x'.repeat(300), 0, 0, false); // remaining length takes 2 bytes
    const bytes = Buffer.concat([encodePuback(9), big, PINGRESP, encodePuback(10)]);
    for (let cut = 1; cut < bytes.length; cut++) {
      const r = new Recorder();
      feed(bytes, [cut], r);
      expect(r.events, `cut at ${cut}`).toEqual(['puback 9 0', 'frame publish', 'pingresp', 'puback 10 0']);
    }
    const r = new Recorder();
    feed(bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1), r); // one byte per read
    expect(r.events).toEqual(['puback 9 0', 'frame publish', 'pingresp', 'puback 10 0']);
    expect(r.frames[0]?.equals(big)).toBe(true);
  });

  it('keeps a partial frame as a copy, not a view pinning the whole chunk', () => {
    const chunk = Buffer.concat([encodePuback(1), Buffer.from([0x40, 0x02, 0x00])]);
    const rest = readChunk(undefined, chunk, new Recorder());
    expect(rest).toBeInstanceOf(Buffer);
    expect((rest as Buffer).length).toBe(3);
    chunk.fill(0xee); // the socket's buffer is free to go (or be reused): the kept bytes are ours
    expect([...(rest as Buffer)]).toEqual([0x40, 0x02, 0x00]);
  });

  it('a remaining length of more than 4 bytes is malformed; fewer is just incomplete', () => {
    expect(scanFrames(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]), new Recorder())).toBe(MALFORMED);
    expect(scanFrames(Buffer.from([0x30, 0xff, 0xff, 0xff]), new Recorder())).toBe(0);
    expect(scanFrames(Buffer.from([0x40]), new Recorder())).toBe(0);
  });

  it('stops reading when the sink says its connection ended', () => {
    const r = new Recorder(1);
    const chunk = Buffer.concat([encodePuback(1), encodePuback(2)]);
    expect(readChunk(undefined, chunk, r)).toBeUndefined();
    expect(r.events).toEqual(['puback 1 0']);
  });

  it('PUBLISH frames built from a pre-encoded topic round-trip through mqtt-packet (3.1.1 and 5, QoS 0 and 1)', () => {
    const topic = encodeTopic('devices/ü-1/messages/events/');
    for (const v5 of [false, true]) {
      for (const qos of [0, 1] as const) {
        for (const payload of ['{"t":21.5}', new Uint8Array([1, 2, 3]), 'y'.repeat(20_000)]) {
          const frame = encodePublish(topic, payload, qos, 0xbeef, v5);
          const p = parseFrame(frame, v5 ? 5 : 4);
          expect(p.cmd).toBe('publish');
          if (p.cmd !== 'publish') continue;
          expect(p.topic).toBe('devices/ü-1/messages/events/');
          expect(p.qos).toBe(qos);
          if (qos === 1) expect(p.messageId).toBe(0xbeef);
          expect(Buffer.from(p.payload).equals(Buffer.from(payload))).toBe(true);
        }
      }
    }
  });

  it('CONNECT: the bytes mqtt-packet generates for the same fields, 3.1.1 and 5, and its refusals', () => {
    const library = (f: ConnectFields): Buffer =>
      generate(
        {
          cmd: 'connect',
          protocolId: 'MQTT',
          protocolVersion: f.protocolVersion,
          clientId: f.clientId,
          clean: f.clean,
          keepalive: f.keepaliveS,
          ...(f.username === undefined ? {} : { username: f.username }),
          ...(f.password === undefined ? {} : { password: Buffer.from(f.password) }),
        },
        { protocolVersion: f.protocolVersion },
      );
    let n = 0;
    for (const protocolVersion of [4, 5] as const)
      for (const clientId of ['', 'dev-000001', 'ü✓-设备', 'x'.repeat(300)])
        for (const clean of [true, false])
          for (const keepaliveS of [0, 60, 65535])
            for (const [username, password] of [[undefined, undefined], ['u', undefined], ['user@hub/ü', 'SharedAccessSignature sr=x&sig=%2B'], ['', '']] as const) {
              const f: ConnectFields = { protocolVersion, clientId, clean, keepaliveS, username, password };
              if (clientId === '' && !clean) {
                expect(() => library(f)).toThrow('clientId must be given if cleanSession set to 0');
                expect(() => encodeConnect(f)).toThrow('clientId must be given if cleanSession set to 0');
                continue;
              }
              expect(encodeConnect(f).toString('hex'), JSON.stringify(f)).toBe(library(f).toString('hex'));
              n++;
            }
    expect(n).toBe(168);
    const noUser: ConnectFields = { protocolVersion: 4, clientId: 'a', clean: true, keepaliveS: 1, username: undefined, password: 'p' };
    expect(() => library(noUser)).toThrow('Username is required to use password');
    expect(() => encodeConnect(noUser)).toThrow('Username is required to use password');
    expect(() => encodeConnect({ ...noUser, username: 'u', keepaliveS: 70_000 })).toThrow();
  });

  it('CONNECT (ours) and SUBSCRIBE (mqtt-packet) parse back; a malformed frame throws and the next one parses', () => {
    const c = parseFrame(encodeConnect({ protocolVersion: 4, clientId: 'd-1', clean: true, keepaliveS: 30, username: 'u', password: 'p' }), 4);
    expect(c).toMatchObject({ cmd: 'connect', clientId: 'd-1', keepalive: 30, username: 'u' });
    expect(parseFrame(encodeSubscribe(3, [{ topic: 'a/#', qos: 1 }], 5), 5)).toMatchObject({ cmd: 'subscribe', messageId: 3 });
    expect(() => parseFrame(Buffer.from([0x00, 0x00]), 4)).toThrow(); // packet type 0 is reserved
    expect(parseFrame(CONNACK, 4)).toMatchObject({ cmd: 'connack', returnCode: 0 });
  });
});
