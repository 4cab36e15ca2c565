/**
 * One lean MQTT connection: the Connection of transport.ts on a bare socket. Per-connection state is this object's
 * fields plus the socket; the socket's listeners are shared functions (they find the connection through a symbol on
 * the socket), timing runs on the thread's TimerWheel and writes on its Outbox, and the in-flight QoS 1 callbacks sit
 * in a small ring (inflight.ts). Failure codes are those the mqtt.js path gives (core/errors failureCode): errno codes,
 * CONNACK_n, CONNECT_TIMEOUT, CONNECTION_CLOSED, CONNECTION_LOST, LOCAL_CLOSE, DISCONNECT_n, TIMEOUT (keepalive).
 */
import type { Duplex } from 'node:stream';
import { failureCode } from '../../core/errors.js';
import { type ConnectOptions, type Connection, type PublishCallback, TransportError } from '../transport.js';
import { encodeSubscribe, parseFrame } from './codec.js';
import { DISCONNECT_FRAME, type FrameSink, MALFORMED, PINGREQ_FRAME, encodePublish, encodePuback, encodeTopic, readChunk } from './frames.js';
import { Inflight } from './inflight.js';
import { type Outbox, TICK_MS, type Timed, type TimerWheel, type Writer } from './wheel.js';

/** What a fleet's connections share: protocol settings and the thread's wheel and outbox. */
export interface LeanContext {
  readonly version: 4 | 5;
  readonly keepaliveMs: number;
  readonly connectTimeoutMs: number;
  readonly wheel: TimerWheel;
  readonly outbox: Outbox;
}

/** After DISCONNECT, wait this long for the broker to close the socket before closing it ourselves. */
const CLOSE_GRACE_MS = 2000;

const CONNECTING = 0;
const ONLINE = 1;
const CLOSING = 2;
const ENDED = 3;

const CONN: unique symbol = Symbol('fleetsim.lean.connection');
type Tagged = Duplex & { [CONN]?: LeanConnection | undefined };

// Shared socket listeners (`this` is the socket): no closure per connection.
function onSocketData(this: Tagged, chunk: Buffer): void {
  this[CONN]?.receive(chunk);
}
/**
 * Plain TCP reads straight into one buffer shared by every connection of the thread (net's `onread`): no Buffer per
 * read, no stream machinery. Safe because each chunk is consumed synchronously: frames are handled in place, a partial
 * frame is copied out (readChunk), and an incoming PUBLISH payload is copied before it is handed on.
 */
export const SHARED_READ: { readonly buffer: Buffer; readonly callback: (n: number, buf: Buffer) => boolean } = {
  buffer: Buffer.allocUnsafe(64 * 1024),
  callback: onSocketRead,
};
function onSocketRead(this: Tagged, n: number, buf: Buffer): boolean {
  this[CONN]?.receive(buf.subarray(0, n));
  return true;
}
function onSocketError(this: Tagged, err: Error): void {
  const c = this[CONN];
  if (c !== undefined) c.lastError ??= err;
}
function onSocketClose(this: Tagged): void {
  this[CONN]?.socketClosed();
}

interface SubWaiter {
  readonly id: number;
  readonly resolve: (granted: number[]) => void;
  readonly reject: (err: Error) => void;
}

export class LeanConnection implements Connection, FrameSink, Timed, Writer {
  wheelTick = 0;
  lastError: unknown = undefined;
  private state = CONNECTING;
  private local = false;
  /** A partial frame left over from the last chunk. */
  private rest: Buffer | undefined = undefined;
  /** Frames queued this turn: one, or several. */
  private out: Buffer | Buffer[] | undefined = undefined;
  private qos0Queued = 0;
  private nextId = 0;
  private inflight: Inflight | undefined = undefined;
  private lastSentMs: number;
  /** When the outstanding PINGREQ was sent; 0: none outstanding. */
  private pingSentMs = 0;
  /** Connect deadline while connecting, close deadline while closing. */
  private deadlineMs: number;
  private topic: string | undefined = undefined;
  private topicBytes: Buffer = EMPTY;
  private subs: SubWaiter[] | undefined = undefined;
  private settle: { resolve: (c: Connection) => void; reject: (err: unknown) => void } | undefined;
  private closeWaiters: Array<() => void> | undefined = undefined;
  /** The two callbacks a connection needs from its ConnectOptions (not the whole object: identity and the rest go). */
  private readonly onClose: ConnectOptions['onClose'];
  private readonly onMessage: ConnectOptions['onMessage'];

  constructor(
    private readonly socket: Tagged,
    private readonly ctx: LeanContext,
    options: ConnectOptions,
    connectFrame: Buffer,
    resolve: (c: Connection) => void,
    reject: (err: unknown) => void,
  ) {
    this.onClose = options.onClose;
    this.onMessage = options.onMessage;
    this.settle = { resolve, reject };
    socket[CONN] = this;
    socket.on('data', onSocketData);
    socket.on('error', onSocketError);
    socket.on('close', onSocketClose);
    socket.write(connectFrame);
    const now = performance.now();
    this.lastSentMs = now;
    this.deadlineMs = now + ctx.connectTimeoutMs;
    ctx.wheel.schedule(this, this.deadlineMs);
  }

  get pending(): number {
    return (this.inflight?.size ?? 0) + this.qos0Queued;
  }

  get writable(): boolean {
    return this.state !== ENDED && !this.socket.destroyed;
  }

  get stopped(): boolean {
    return this.socket.destroyed;
  }

  publish(topic: string, payload: string | Uint8Array, qos: 0 | 1, done: PublishCallback, ref = 0): void {
    if (this.state !== ONLINE) {
      done(this.state === CLOSING ? new TransportError('CONNECTION_LOST', 'client disconnecting') : new TransportError('NOT_CONNECTED', 'connection is closed'), ref);
      return;
    }
    if (topic !== this.topic) {
      this.topic = topic;
      this.topicBytes = encodeTopic(topic);
    }
    let id = 0;
    if (qos === 1) {
      id = this.allocId();
      (this.inflight ??= new Inflight()).add(id, done, ref);
    }
    this.queue(encodePublish(this.topicBytes, payload, qos, id, this.ctx.version === 5));
    if (qos === 0) {
      this.qos0Queued++;
      this.ctx.outbox.afterWrite(this, done, ref);
    }
  }

  subscribe(filters: ReadonlyArray<{ readonly topic: string; readonly qos: 0 | 1 }>): Promise<number[]> {
    if (this.state !== ONLINE) return Promise.reject(new TransportError('NOT_CONNECTED', 'connection is closed'));
    const id = this.allocId();
    this.queue(encodeSubscribe(id, filters, this.ctx.version));
    return new Promise((resolve, reject) => (this.subs ??= []).push({ id, resolve, reject }));
  }

  close(): Promise<void> {
    if (this.state === ENDED) return Promise.resolve();
    const closed = new Promise<void>((resolve) => (this.closeWaiters ??= []).push(resolve));
    if (this.state === CLOSING) return closed;
    this.local = true;
    this.state = CLOSING;
    this.queue(DISCONNECT_FRAME); // flush() ends the socket after writing it; acks of earlier publishes still arrive
    this.deadlineMs = performance.now() + CLOSE_GRACE_MS;
    this.ctx.wheel.schedule(this, this.deadlineMs);
    return closed;
  }

  drop(): void {
    if (this.state === ENDED) return;
    this.local = true;
    this.socket.destroy();
  }

  // --- reading ---------------------------------------------------------------------------------------------------

  receive(chunk: Buffer): void {
    const rest = readChunk(this.rest, chunk, this);
    if (rest === MALFORMED) {
      this.rest = undefined;
      this.fail(new TransportError('PROTOCOL_ERROR', 'malformed packet length from the broker'));
    } else this.rest = rest;
  }

  onPuback(id: number, reasonCode: number): void {
    this.inflight?.settle(id, reasonCode < 0x80 ? undefined : new TransportError(`PUBACK_${reasonCode}`, `broker refused the message (PUBACK reason ${reasonCode})`));
  }

  onPingresp(): void {
    this.pingSentMs = 0;
  }

  onFrame(frame: Buffer): void {
    let p;
    try {
      p = parseFrame(frame, this.ctx.version);
    } catch (err) {
      this.fail(new TransportError('PROTOCOL_ERROR', `malformed packet from the broker: ${(err as Error).message}`));
      return;
    }
    switch (p.cmd) {
      case 'connack':
        this.onConnack(p.reasonCode ?? p.returnCode ?? 0);
        return;
      case 'publish':
        if (p.qos === 1 && p.messageId !== undefined) this.queue(encodePuback(p.messageId));
        this.onMessage?.(p.topic, Buffer.from(p.payload)); // a copy: the frame may sit in the shared read buffer
        return;
      case 'suback':
        this.onSuback(p.messageId ?? 0, p.granted);
        return;
      case 'disconnect':
        this.lastError = new TransportError(`DISCONNECT_${p.reasonCode ?? 0}`, 'broker sent DISCONNECT');
        return;
      default:
        return; // PUBREC/PUBREL/PUBCOMP (no QoS 2 here), UNSUBACK, AUTH: nothing this client asked for
    }
  }

  private onConnack(code: number): void {
    if (this.state !== CONNECTING) return;
    if (code !== 0) {
      this.fail(new TransportError(`CONNACK_${code}`, `broker refused the connection (CONNACK ${code})`));
      return;
    }
    this.state = ONLINE;
    const settle = this.settle;
    this.settle = undefined;
    this.ctx.wheel.cancel(this);
    if (this.ctx.keepaliveMs > 0) this.ctx.wheel.schedule(this, this.lastSentMs + this.ctx.keepaliveMs);
    settle?.resolve(this);
  }

  private onSuback(id: number, granted: ReadonlyArray<number | object>): void {
    const subs = this.subs;
    const i = subs?.findIndex((s) => s.id === id) ?? -1;
    if (subs === undefined || i < 0) return;
    const waiter = subs[i] as SubWaiter;
    subs.splice(i, 1);
    if (subs.length === 0) this.subs = undefined;
    waiter.resolve(granted.map((g) => (typeof g === 'number' && g < 0x80 ? g : 128)));
  }

  // --- writing ---------------------------------------------------------------------------------------------------

  private queue(frame: Buffer): void {
    const out = this.out;
    if (out === undefined) {
      this.out = frame;
      this.ctx.outbox.mark(this);
    } else if (Array.isArray(out)) out.push(frame);
    else this.out = [out, frame];
  }

  flush(nowMs: number): void {
    const out = this.out;
    this.out = undefined;
    this.qos0Queued = 0;
    const s = this.socket;
    if (out === undefined || !this.writable || s.writableEnded) return; // ended: after our DISCONNECT nothing more goes out
    if (Array.isArray(out)) {
      s.cork();
      for (const b of out) s.write(b);
      s.uncork();
    } else s.write(out);
    this.lastSentMs = nowMs;
    if (this.state === CLOSING) s.end();
  }

  private allocId(): number {
    let id = this.nextId;
    do id = id >= 65535 ? 1 : id + 1;
    while (this.inflight?.has(id) === true);
    this.nextId = id;
    return id;
  }

  // --- timing ----------------------------------------------------------------------------------------------------

  onTimer(nowMs: number): void {
    const wheel = this.ctx.wheel;
    if (this.state === CONNECTING || this.state === CLOSING) {
      if (nowMs < this.deadlineMs) wheel.schedule(this, this.deadlineMs);
      else if (this.state === CONNECTING) this.fail(new TransportError('CONNECT_TIMEOUT', 'no CONNACK in time'));
      else this.socket.destroy();
      return;
    }
    const k = this.ctx.keepaliveMs;
    if (this.state !== ONLINE || k === 0) return;
    if (this.pingSentMs !== 0) {
      if (nowMs - this.pingSentMs >= k) this.fail(new TransportError('TIMEOUT', 'keepalive timeout: no PINGRESP'));
      else wheel.schedule(this, this.pingSentMs + k);
      return;
    }
    const due = this.lastSentMs + k;
    if (nowMs < due - TICK_MS) {
      wheel.schedule(this, due);
      return;
    }
    this.queue(PINGREQ_FRAME);
    this.pingSentMs = nowMs;
    wheel.schedule(this, nowMs + k);
  }

  // --- ending ----------------------------------------------------------------------------------------------------

  /** End the connection for `err` (a protocol failure, a refusal, a timeout): the socket closes, socketClosed reports. */
  private fail(err: TransportError): void {
    this.lastError ??= err;
    this.socket.destroy();
  }

  socketClosed(): void {
    if (this.state === ENDED) return;
    const wasConnecting = this.state === CONNECTING;
    this.state = ENDED;
    this.ctx.wheel.cancel(this);
    this.rest = undefined;
    this.out = undefined;
    this.socket[CONN] = undefined;
    if (wasConnecting) {
      const settle = this.settle;
      this.settle = undefined;
      settle?.reject(this.lastError ?? new TransportError('CONNECTION_CLOSED', 'connection closed before CONNACK'));
      return;
    }
    const lost = new TransportError('CONNECTION_LOST', 'connection closed before ack');
    this.inflight?.settleAll(lost);
    const subs = this.subs;
    this.subs = undefined;
    if (subs !== undefined) for (const s of subs) s.reject(lost);
    const code = this.local ? 'LOCAL_CLOSE' : this.lastError === undefined ? 'CONNECTION_LOST' : failureCode(this.lastError);
    this.onClose({ code, local: this.local });
    const waiters = this.closeWaiters;
    this.closeWaiters = undefined;
    if (waiters !== undefined) for (const w of waiters) w();
  }
}

const EMPTY = Buffer.alloc(0);
