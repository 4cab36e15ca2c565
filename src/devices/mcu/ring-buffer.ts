/**
 * A bounded FIFO ring for store-and-forward: a device that is offline keeps its newest readings; when full, pushing
 * evicts the oldest, which push() returns so the caller can count it as dropped. Storage grows on demand up to the
 * capacity, so an always-online device costs nothing.
 */
export class RingBuffer<T> {
  private items: T[] = [];
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.count;
  }

  /** Add the newest item; returns the evicted oldest item when the ring was full, else undefined. */
  push(item: T): T | undefined {
    if (this.capacity <= 0) return item;
    if (this.count < this.capacity) {
      if (this.items.length < this.capacity) this.items.push(item);
      else this.items[(this.head + this.count) % this.capacity] = item;
      this.count++;
      return undefined;
    }
    const evicted = this.items[this.head] as T;
    this.items[this.head] = item;
    this.head = (this.head + 1) % this.capacity;
    return evicted;
  }

  /** Remove and return every item, oldest first. */
  drain(): T[] {
    const out = this.peekAll();
    this.items = [];
    this.head = 0;
    this.count = 0;
    return out;
  }

  /** Items currently held, oldest first, without removing them. */
  peekAll(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.items[(this.head + i) % this.items.length] as T);
    return out;
  }
}
