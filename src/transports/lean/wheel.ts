/**
 * The lean client's shared timing and write batching, one of each per thread (i.e. per shard), however many
 * connections it holds:
 *
 * - TimerWheel: connect timeouts, keepalive PINGREQs, PINGRESP deadlines and close deadlines of every connection run
 *   on ONE interval timer (100 ms slots). Entries are lazy: a connection is put in the slot of its next deadline, and
 *   when the slot comes round it checks what is actually due and puts itself back if nothing is (a publish since the
 *   last check pushed its ping further out). No per-connection timer, no re-bucketing on the hot path.
 * - Outbox: frames a connection queues during one event-loop turn are written together, once, in a microtask after
 *   the turn's synchronous work (one socket write, or one corked writev, per connection per turn); QoS 0 publish
 *   callbacks run right after their frame was handed to the socket ("done when written").
 */

import { TransportError } from '../transport.js';

export interface Timed {
  /** The wheel tick this entry is filed under; 0 when not filed. Entries found in a slot under another tick are stale. */
  wheelTick: number;
  onTimer(nowMs: number): void;
}

export const TICK_MS = 100;
const SLOTS = 1024; // 102.4 s ahead; a later deadline is filed at the horizon and re-filed from there
const MASK = SLOTS - 1;

export class TimerWheel {
  private readonly slots: Timed[][] = Array.from({ length: SLOTS }, () => []);
  private tick = 0;
  private filed = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** File `t` for `atMs` (clock ms); an earlier filing wins, a later one is caught up lazily by onTimer. */
  schedule(t: Timed, atMs: number): void {
    if (this.timer === undefined) this.start();
    const at = Math.min(Math.max(Math.ceil(atMs / TICK_MS), this.tick + 1), this.tick + SLOTS - 1);
    if (t.wheelTick !== 0 && t.wheelTick <= at) return; // already filed at or before: it re-files itself when it fires
    t.wheelTick = at;
    (this.slots[at & MASK] as Timed[]).push(t);
    this.filed++;
  }

  /** Take `t` out (lazily: its slot entry goes stale). */
  cancel(t: Timed): void {
    t.wheelTick = 0;
  }

  private start(): void {
    this.tick = Math.floor(this.now() / TICK_MS);
    this.timer = setInterval(() => this.advance(), TICK_MS);
    this.timer.unref();
  }

  private advance(): void {
    const now = this.now();
    const target = Math.floor(now / TICK_MS);
    while (this.tick < target) {
      this.tick++;
      const slot = this.slots[this.tick & MASK] as Timed[];
      if (slot.length === 0) continue;
      this.slots[this.tick & MASK] = [];
      this.filed -= slot.length;
      for (const t of slot) {
        if (t.wheelTick !== this.tick) continue;
        t.wheelTick = 0;
        t.onTimer(now);
      }
    }
    if (this.filed === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}

export interface Writer {
  /** Write what the connection queued this turn (called once per turn per connection that queued something). */
  flush(nowMs: number): void;
  /** Whether the connection still writes (a QoS 0 callback whose connection ended first gets an error). */
  readonly writable: boolean;
}

export type WrittenCallback = (err: Error | undefined, ref: number) => void;

export class Outbox {
  private dirty: Writer[] = [];
  private readonly written: WrittenCallback[] = [];
  private readonly writtenBy: Writer[] = [];
  private readonly writtenRefs: number[] = [];
  private scheduled = false;
  private readonly run = (): void => this.flush();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** `w` has frames queued: flush it at the end of this turn. The caller tracks that it is marked (once per turn). */
  mark(w: Writer): void {
    this.dirty.push(w);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.run);
    }
  }

  /** Call `done(err, ref)` once `w`'s frames queued so far are handed to its socket (QoS 0 "written"). */
  afterWrite(w: Writer, done: WrittenCallback, ref = 0): void {
    this.written.push(done);
    this.writtenBy.push(w);
    this.writtenRefs.push(ref);
  }

  private flush(): void {
    this.scheduled = false;
    const now = this.now();
    const dirty = this.dirty;
    this.dirty = [];
    for (const w of dirty) w.flush(now);
    const n = this.written.length;
    if (n === 0) return;
    const done = this.written.splice(0, n);
    const by = this.writtenBy.splice(0, n);
    const refs = this.writtenRefs.splice(0, n);
    for (let i = 0; i < n; i++) (done[i] as WrittenCallback)((by[i] as Writer).writable ? undefined : notWritten, refs[i] as number);
  }
}

const notWritten = new TransportError('CONNECTION_LOST', 'connection closed before the message was written');
