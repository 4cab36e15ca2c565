import type { PublishCallback } from '../transport.js';

/**
 * QoS 1 publishes awaiting PUBACK, keyed by packet id: three parallel arrays (id, callback, the publisher's ref) indexed
 * by `id & mask` (a ring, since ids are handed out in sequence and acks come back roughly in order), grown ×2 when a
 * slot is still taken. No object per message; a device at 1 msg/s keeps the initial 4 slots for life.
 */
export class Inflight {
  private ids: number[] = [0, 0, 0, 0];
  private cbs: Array<PublishCallback | undefined> = [undefined, undefined, undefined, undefined];
  private refs: number[] = [0, 0, 0, 0];
  private mask = 3;
  size = 0;

  /** Whether packet id `id` is awaiting its ack. */
  has(id: number): boolean {
    const s = id & this.mask;
    return this.ids[s] === id && this.cbs[s] !== undefined;
  }

  add(id: number, done: PublishCallback, ref: number): void {
    while (this.cbs[id & this.mask] !== undefined) this.grow();
    const s = id & this.mask;
    this.ids[s] = id;
    this.cbs[s] = done;
    this.refs[s] = ref;
    this.size++;
  }

  /** Settle `id` (done(err, ref)) and remove it; false for an unknown id (a duplicate or late PUBACK). */
  settle(id: number, err: Error | undefined): boolean {
    const s = id & this.mask;
    const done = this.cbs[s];
    if (done === undefined || this.ids[s] !== id) return false;
    this.cbs[s] = undefined;
    this.size--;
    done(err, this.refs[s] as number);
    return true;
  }

  /** Settle every publish still waiting with `err`, oldest packet id first within the ring; returns how many. */
  settleAll(err: Error): number {
    const cbs = this.cbs;
    const refs = this.refs;
    this.cbs = cbs.map(() => undefined);
    this.size = 0;
    let n = 0;
    for (let s = 0; s < cbs.length; s++) {
      const done = cbs[s];
      if (done === undefined) continue;
      n++;
      done(err, refs[s] as number);
    }
    return n;
  }

  private grow(): void {
    const { ids, cbs, refs } = this;
    const cap = cbs.length * 2;
    this.ids = new Array<number>(cap).fill(0);
    this.cbs = new Array<PublishCallback | undefined>(cap).fill(undefined);
    this.refs = new Array<number>(cap).fill(0);
    this.mask = cap - 1;
    for (let s = 0; s < cbs.length; s++) {
      const done = cbs[s];
      if (done === undefined) continue;
      const id = ids[s] as number;
      // Two live ids sharing a slot after doubling cannot happen: they differed modulo the old size, so they differ
      // modulo the new one as well.
      this.ids[id & this.mask] = id;
      this.cbs[id & this.mask] = done;
      this.refs[id & this.mask] = refs[s] as number;
    }
  }
}
