/**
 * Load generator of bench/hub.ts, run as a child process (`node --import tsx bench/hub-load.ts`, forked, driven over
 * IPC). One process is the publisher (N connections), another the subscriber (one connection), so neither competes
 * with the other's event loop and each one's CPU is measured on its own.
 *
 * It speaks raw MQTT 3.1.1 over node:net instead of mqtt.js: packets are pre-encoded and parsed with a few lines, so
 * the generator spends a few µs per message and the broker, not the client library, is what is measured. The same
 * code drives every target (Mosquitto, the embedded hub's plain MQTT side, its IoT Hub side).
 *
 * Publisher, QoS 1: each connection keeps `window` PUBLISHes in flight; each PUBACK records publish→ack latency and
 * sends the next. QoS 0 has no ack: each connection keeps `window` socket writes outstanding (the write callback
 * frees a slot), i.e. as fast as TCP back-pressure from the broker allows. Both QoS: the publisher also keeps
 * sent − received ≤ `budget` (the subscriber's count, relayed by the parent every PROGRESS_MS), so a broker that takes
 * messages faster than it delivers them cannot build an unbounded backlog (which would make latency a function of the
 * run length and leave a long drain).
 * Payload: ~120-byte JSON whose first field is the send time (epoch ms, µs precision) for publish→receive latency.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createHistogram, encodeHistogram, recordMicros } from '../src/metrics/hdr.js';

export interface LoadConn {
  readonly clientId: string;
  readonly username?: string;
  readonly password?: string;
  /** Publisher: the topic to publish on. Subscriber: the filter. */
  readonly topic: string;
}

export type LoadCommand =
  | { type: 'connect'; host: string; port: number; conns: LoadConn[]; qos: 0 | 1; window: number; budget: number }
  | { type: 'progress'; total: number }
  | { type: 'run'; startAt: number; measureFrom: number; measureTo: number }
  | { type: 'finish' }
  | { type: 'exit' };

export interface LoadResult {
  /** Publisher: messages acked (QoS 1) or written (QoS 0) inside the window. Subscriber: messages received inside it. */
  readonly inWindow: number;
  /** Over the whole run (warm-up and drain included). */
  readonly total: number;
  /** Publisher: messages published. */
  readonly sent: number;
  /** Publisher: QoS 1 messages still unacked when it gave up waiting. */
  readonly unacked: number;
  /** Actual length of the measurement window in this process (timers fire late under load), ms. */
  readonly windowMs: number;
  /** process.cpuUsage() user+system over the window, µs. */
  readonly cpuMicros: number;
  /** Publisher: publish→PUBACK, µs (QoS 1 only). Subscriber: publish→receive, µs (clocks of two processes). */
  readonly histogram: string;
}

export type LoadReply =
  | { type: 'connected' }
  | { type: 'result'; result: LoadResult }
  | { type: 'error'; message: string }
  /** Subscriber → parent → publisher, every PROGRESS_MS while it receives. */
  | { type: 'progress'; total: number };

export const PROGRESS_MS = 5;

// ---------------------------------------------------------------------------------------------------------------------
// MQTT 3.1.1 encoding

function remainingLength(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 128;
    out.push(byte);
  } while (n > 0);
  return out;
}

function str(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
}

function connectPacket(c: LoadConn): Buffer {
  let flags = 0x02; // clean session
  const payload = [str(c.clientId)];
  if (c.username !== undefined) {
    flags |= 0x80;
    payload.push(str(c.username));
  }
  if (c.password !== undefined) {
    flags |= 0x40;
    payload.push(str(c.password));
  }
  const body = Buffer.concat([str('MQTT'), Buffer.from([4, flags, 0, 120]), ...payload]); // keep-alive 120 s
  return Buffer.concat([Buffer.from([0x10, ...remainingLength(body.length)]), body]);
}

function subscribePacket(filter: string, qos: number): Buffer {
  const body = Buffer.concat([Buffer.from([0, 1]), str(filter), Buffer.from([qos])]);
  return Buffer.concat([Buffer.from([0x82, ...remainingLength(body.length)]), body]);
}

const DISCONNECT = Buffer.from([0xe0, 0]);

/** `{"ts":<17 chars>,` — the subscriber reads the send time at this fixed offset. */
const TS_AT = 6;
const TS_LEN = 17;
const now = (): number => performance.timeOrigin + performance.now();

function payloadText(deviceId: string, seq: number): string {
  const t = 20 + ((seq * 7) % 100) / 10;
  return `{"ts":${now().toFixed(3)},"deviceId":"${deviceId}","seq":${String(seq).padStart(9, '0')},"temperature":${t.toFixed(2)},"humidity":41.30,"battery":3.71}`;
}
export const PAYLOAD_BYTES = payloadText('bench-0000', 0).length;

// ---------------------------------------------------------------------------------------------------------------------
// A connection: CONNECT/CONNACK, then packets handed to `onPacket` (first byte, buffer, body start, body length).

type OnPacket = (first: number, b: Buffer, at: number, len: number) => void;

function open(host: string, port: number, c: LoadConn, onPacket: OnPacket, onClose: () => void): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host, port, noDelay: true });
    let connected = false;
    let pending: Buffer | null = null;
    socket.once('connect', () => socket.write(connectPacket(c)));
    socket.on('error', (err) => (connected ? undefined : reject(err)));
    socket.on('close', () => (connected ? onClose() : reject(new Error(`${c.clientId}: connection closed before CONNACK`))));
    socket.on('data', (chunk: Buffer) => {
      const b = pending === null ? chunk : Buffer.concat([pending, chunk]);
      let off = 0;
      socket.cork(); // everything answered from this chunk leaves in one write
      for (;;) {
        if (b.length - off < 2) break;
        let len = 0;
        let mul = 1;
        let i = off + 1;
        let byte = 128;
        while (byte & 128) {
          if (i >= b.length) break;
          byte = b[i++] as number;
          len += (byte & 127) * mul;
          mul *= 128;
        }
        if (byte & 128 || i + len > b.length) break;
        const first = b[off] as number;
        off = i + len;
        if (!connected) {
          if (first >> 4 !== 2) return reject(new Error(`${c.clientId}: expected CONNACK, got packet type ${first >> 4}`));
          const rc = b[i + 1] as number;
          if (rc !== 0) return reject(new Error(`${c.clientId}: CONNACK return code ${rc}`));
          connected = true;
          resolve(socket);
          continue;
        }
        onPacket(first, b, i, len);
      }
      pending = off < b.length ? b.subarray(off) : null;
      process.nextTick(() => socket.uncork());
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------------
// Roles

const send = (msg: LoadReply): void => void process.send?.(msg);

interface Role {
  run(): void;
  /** Publisher: the subscriber's running count. */
  progress(total: number): void;
  /** At measureFrom / measureTo. */
  mark(phase: 'from' | 'to'): void;
  finish(): Promise<LoadResult>;
}

class Window {
  inWindow = 0;
  total = 0;
  measuring = false;
  private fromMs = 0;
  private toMs = 0;
  private cpu = process.cpuUsage();
  private cpuMicros = 0;
  readonly hist = createHistogram();
  mark(phase: 'from' | 'to'): void {
    if (phase === 'from') {
      this.measuring = true;
      this.fromMs = performance.now();
      this.cpu = process.cpuUsage();
    } else {
      this.measuring = false;
      this.toMs = performance.now();
      const d = process.cpuUsage(this.cpu);
      this.cpuMicros = d.user + d.system;
    }
  }
  result(extra: { sent: number; unacked: number }): LoadResult {
    return { inWindow: this.inWindow, total: this.total, ...extra, windowMs: this.toMs - this.fromMs, cpuMicros: this.cpuMicros, histogram: encodeHistogram(this.hist) };
  }
}

async function publisher(cmd: Extract<LoadCommand, { type: 'connect' }>): Promise<Role> {
  const w = new Window();
  let running = false;
  let sent = 0;
  /** The subscriber's count, relayed by the parent every PROGRESS_MS: at most `budget` messages between the two. */
  let received = 0;
  let inflight = 0;
  let drained: (() => void) | null = null;
  const qos = cmd.qos;
  const blocked = new Set<() => void>();
  const conns = await Promise.all(
    cmd.conns.map(async (c) => {
      const topic = Buffer.from(c.topic, 'utf8');
      const bodyLen = 2 + topic.length + (qos === 1 ? 2 : 0) + PAYLOAD_BYTES;
      const head = Buffer.concat([Buffer.from([0x30 | (qos << 1), ...remainingLength(bodyLen)]), str(c.topic)]);
      const sentAt = new Float64Array(65536);
      const state = { socket: null as Socket | null, nextId: 1, seq: 0, slots: 0, refilling: false };
      const publishOne = (): void => {
        const s = state.socket as Socket;
        const b = Buffer.allocUnsafe(head.length + (qos === 1 ? 2 : 0) + PAYLOAD_BYTES);
        head.copy(b, 0);
        let at = head.length;
        if (qos === 1) {
          const id = state.nextId;
          state.nextId = id === 65535 ? 1 : id + 1;
          b.writeUInt16BE(id, at);
          at += 2;
          sentAt[id] = performance.now();
        }
        b.write(payloadText(c.clientId, state.seq++), at, 'latin1');
        sent++;
        inflight++;
        state.slots++;
        if (qos === 1) s.write(b);
        else s.write(b, onWritten);
      };
      /** Fill this connection's window, as far as the end-to-end budget allows. */
      const fill = (): void => {
        state.refilling = false;
        while (running && state.slots < cmd.window) {
          if (sent - received >= cmd.budget) {
            blocked.add(fill);
            return;
          }
          publishOne();
        }
      };
      // QoS 0: a write callback frees a slot; the slots are refilled on the next loop turn, not from the callback (a
      // write that completes at once calls back on process.nextTick, and refilling there would starve timers and I/O).
      const onWritten = (): void => {
        inflight--;
        state.slots--;
        w.total++;
        if (w.measuring) w.inWindow++;
        if (running) {
          if (!state.refilling) {
            state.refilling = true;
            setImmediate(fill);
          }
        } else if (inflight === 0) drained?.();
      };
      const onPacket: OnPacket = (first, b, at) => {
        if (first >> 4 !== 4) return; // PUBACK only
        const id = b.readUInt16BE(at);
        inflight--;
        state.slots--;
        w.total++;
        if (w.measuring) {
          w.inWindow++;
          recordMicros(w.hist, (performance.now() - (sentAt[id] as number)) * 1000);
        }
        if (running) fill();
        else if (inflight === 0) drained?.();
      };
      state.socket = await open(cmd.host, cmd.port, c, onPacket, () => {
        if (running) send({ type: 'error', message: `publisher ${c.clientId}: connection closed by the broker` });
      });
      return { state, fill };
    }),
  );
  return {
    run() {
      running = true;
      for (const c of conns) c.fill();
    },
    progress(total) {
      received = total;
      if (blocked.size === 0 || sent - received >= cmd.budget) return;
      const waiting = [...blocked];
      blocked.clear();
      for (const f of waiting) f();
    },
    mark: (phase) => {
      if (phase === 'to') running = false;
      w.mark(phase);
    },
    async finish() {
      running = false;
      if (inflight > 0) {
        await new Promise<void>((resolve) => {
          drained = resolve;
          setTimeout(resolve, 3000);
        });
      }
      const result = w.result({ sent, unacked: inflight });
      for (const c of conns) c.state.socket?.end(DISCONNECT);
      return result;
    },
  };
}

async function subscriber(cmd: Extract<LoadCommand, { type: 'connect' }>): Promise<Role> {
  const w = new Window();
  const c = cmd.conns[0] as LoadConn;
  let lastAt = performance.now();
  let subscribed: (() => void) | null = null;
  let socket: Socket | null = null;
  const onPacket: OnPacket = (first, b, at, len) => {
    const type = first >> 4;
    if (type === 9) return subscribed?.(); // SUBACK
    if (type !== 3) return;
    const qos = (first >> 1) & 3;
    let p = at + 2 + b.readUInt16BE(at);
    if (qos > 0) {
      (socket as Socket).write(Buffer.from([0x40, 2, b[p] as number, b[p + 1] as number]));
      p += 2;
    }
    w.total++;
    lastAt = performance.now();
    if (!w.measuring) return;
    w.inWindow++;
    if (at + len - p > TS_AT + TS_LEN) recordMicros(w.hist, (now() - Number(b.toString('latin1', p + TS_AT, p + TS_AT + TS_LEN))) * 1000);
  };
  socket = await open(cmd.host, cmd.port, c, onPacket, () => undefined);
  const granted = new Promise<void>((resolve) => (subscribed = resolve));
  socket.write(subscribePacket(c.topic, cmd.qos));
  await granted;
  let reported = 0;
  const ticker = setInterval(() => {
    if (w.total === reported) return;
    reported = w.total;
    send({ type: 'progress', total: reported });
  }, PROGRESS_MS);
  return {
    run: () => undefined,
    progress: () => undefined,
    mark: (phase) => w.mark(phase),
    async finish() {
      // Drain: wait until nothing arrived for 300 ms (at most 5 s).
      const until = performance.now() + 5000;
      while (performance.now() - lastAt < 300 && performance.now() < until) await new Promise((r) => setTimeout(r, 50));
      clearInterval(ticker);
      socket?.end(DISCONNECT);
      return w.result({ sent: 0, unacked: 0 });
    },
  };
}

const roleName = process.argv[2];
let role: Role | null = null;
process.on('message', (cmd: LoadCommand) => {
  void (async () => {
    try {
      switch (cmd.type) {
        case 'connect':
          role = roleName === 'sub' ? await subscriber(cmd) : await publisher(cmd);
          return send({ type: 'connected' });
        case 'run': {
          const r = role as Role;
          setTimeout(() => r.run(), Math.max(0, cmd.startAt - Date.now()));
          setTimeout(() => r.mark('from'), Math.max(0, cmd.measureFrom - Date.now()));
          setTimeout(() => r.mark('to'), Math.max(0, cmd.measureTo - Date.now()));
          return;
        }
        case 'progress':
          role?.progress(cmd.total);
          return;
        case 'finish': {
          const result = await (role as Role).finish();
          role = null;
          return send({ type: 'result', result });
        }
        case 'exit':
          process.disconnect();
          return;
      }
    } catch (err) {
      send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    }
  })();
});
