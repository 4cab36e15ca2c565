/**
 * The Node floor: mqtt-floor.c's job done by the least a Node program can run, so fleetsim's figures can be read
 * against its own runtime as well as against C. One thread; `net.connect` (noDelay, net's `onread` into one shared
 * buffer: no Buffer per read, no 'data' events), paced at `rate` per second with a 1 ms timer; a hand-encoded CONNECT;
 * once every device is online each one's PUBLISH (fixed topic and payload, the packet id patched) is written with one
 * `socket.write` when due, and PUBACKs are read and dropped. No device model, no JSON, no metrics, no scheduler beyond
 * a cursor: what it costs is the kernel's share (as the C floor) plus Node's event loop, timers and stream writes.
 *
 *   node --import tsx bench/floor/node-floor.ts <host> <port> <devices> <connects-per-s> <every-ms, 0: idle> <qos 0|1> <payload-bytes>
 *
 * Runs until killed; prints a line to stderr when every device is online.
 */
import { type Socket, connect } from 'node:net';
import { encodeConnect, encodePublish, encodeTopic } from '../../src/transports/lean/frames.js';

const [host = '127.0.0.1', portText, devicesText, rateText, everyText, qosText, payloadText] = process.argv.slice(2);
const port = Number(portText);
const n = Number(devicesText);
const rate = Number(rateText);
const every = Number(everyText);
const qos: 0 | 1 = Number(qosText) === 1 ? 1 : 0;
const payloadBytes = Number(payloadText);
if (![port, n, rate, every, payloadBytes].every(Number.isFinite) || n <= 0) {
  console.error('usage: node-floor <host> <port> <devices> <connects-per-s> <every-ms, 0: idle> <qos 0|1> <payload-bytes>');
  process.exit(2);
}

/** Protocol 3.1.1, clean session, keepalive 0 (as the C floor); frames.ts is fleetsim's encoder, pure byte layout. */
const connectFrame = (i: number): Buffer =>
  encodeConnect({ protocolVersion: 4, clientId: `nfloor-${String(i).padStart(6, '0')}`, clean: true, keepaliveS: 0, username: undefined, password: undefined });

/** One PUBLISH, topic "floor/t", `payloadBytes` bytes; the packet id (QoS 1) sits just before the payload. */
const frame = encodePublish(encodeTopic('floor/t'), Buffer.alloc(payloadBytes, 0x78), qos, 0, false);
const idAt = frame.length - payloadBytes - 2;
const sockets: Socket[] = new Array<Socket>(n);
const online = new Uint8Array(n);
const ids = new Uint16Array(n);
const due = new Float64Array(n);
const shared = Buffer.allocUnsafe(64 * 1024);
let launched = 0;
let onlineCount = 0;
let cursor = 0;
let tAll = 0;
const t0 = performance.now();

function start(i: number): void {
  const s = connect({
    host,
    port,
    noDelay: true,
    onread: {
      buffer: shared,
      callback: (len: number): boolean => {
        if (online[i] === 0 && len >= 4 && shared[0] === 0x20 && shared[3] === 0) allOnline(i);
        return true; // ONLINE: PUBACKs, read and dropped
      },
    },
  });
  s.on('error', () => undefined);
  s.on('close', () => {
    if (online[i] === 1) {
      console.error(`node-floor: the broker closed device ${i}`);
      process.exit(1);
    }
    setTimeout(() => start(i), 1000); // refused or failed: tried again a second later
  });
  s.write(connectFrame(i));
  sockets[i] = s;
}

function allOnline(i: number): void {
  online[i] = 1;
  if (++onlineCount < n) return;
  tAll = performance.now();
  for (let d = 0; d < n; d++) due[d] = (d * every) / n; // spread evenly over one interval
  console.error(`node-floor: ${n} online after ${((tAll - t0) / 1000).toFixed(2)} s`);
}

function tick(): void {
  const t = performance.now();
  for (const dueN = Math.floor(((t - t0) * rate) / 1000); launched < n && launched < dueN; launched++) start(launched);
  if (onlineCount === n && every > 0) {
    // Devices fall due in index order, cyclically: a cursor, no scan.
    for (let i = cursor; (due[i] as number) <= t - tAll; i = cursor) {
      cursor = cursor + 1 === n ? 0 : cursor + 1;
      if (qos === 1) {
        const id = (ids[i] as number) === 65535 ? 1 : (ids[i] as number) + 1;
        ids[i] = id;
        frame[idAt] = id >> 8;
        frame[idAt + 1] = id & 255;
      }
      // QoS 1 frames differ by packet id, and write() keeps a buffer the socket could not take at once: one copy each
      // (as a client that encodes a frame per message). QoS 0 frames are all the same bytes: one buffer serves.
      (sockets[i] as Socket).write(qos === 1 ? Buffer.from(frame) : frame);
      due[i] = (due[i] as number) + every;
    }
  }
  setTimeout(tick, 1);
}
tick();
