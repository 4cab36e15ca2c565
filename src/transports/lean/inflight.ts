import type { PublishCallback } from '../transport.js';

/**
 * QoS 1 publishes awaiting PUBACK, keyed by packet id: two parallel arrays indexed by `id & mask` (a ring, since ids
 * are handed out in sequence and acks come back roughly in order), grown ×2 when a slot is still taken. No object per
 * message; a device at 1 msg/s keeps the initial 4 slots for life.
 */
export class Inflight {
  private ids: number[] = [0, 0, 0, 0];
  private cbs: Array<PublishCallback | undefined> = [undefined, undefined, undefined, undefined];
  private mask = 3;
  size = 0;

  /** Whether packet id `id` is awaiting its ack. */
  has(id: number): boolean {
    const s = id & this.mask;
    return this.ids[s] === id && this.cbs[s] !== undefined;
  }

  add(id: number, done: PublishCallback): void {
    while (this.cbs[id & this.mask] !== undefined) this.grow();
    const s = id & this.mask;
    this.ids[s] = id;
    this.cbs[s] = done;
    this.size++;
  }

  /** The callback of `id`, removed; undefined for an unknown id (a duplicate or late PUBACK). */
  take(id: number): PublishCallback | undefined {
    const s = id & this.mask;
    const done = this.cbs[s];
    if (done === undefined || this.ids[s] !== id) return undefined;
    this.cbs[s] = undefined;
    this.size--;
    return done;
  }

  /** Every callback still waiting, removed, oldest packet id first within the ring. */
  takeAll(): PublishCallback[] {
    const out: PublishCallback[] = [];
    for (let s = 0; s < this.cbs.length; s++) {
      const done = this.cbs[s];
      if (done === undefined) continue;
      this.cbs[s] = undefined;
      out.push(done);
    }
    this.size = 0;
    return out;
  }

  private grow(): void {
    const ids = this.ids;
    const cbs = this.cbs;
    const cap = cbs.length * 2;
    this.ids = new Array<number>(cap).fill(0);
    this.cbs = new Array<PublishCallback | undefined>(cap).fill(undefined);
    this.mask = cap - 1;
    for (let s = 0; s < cbs.length; s++) {
      const done = cbs[s];
      if (done === undefined) continue;
      const id = ids[s] as number;
      // Two live ids sharing a slot after doubling cannot happen: they differed modulo the old size, so they differ
      // modulo the new one as well.
      this.ids[id & this.mask] = id;
      this.cbs[id & this.mask] = done;
    }
  }
}
