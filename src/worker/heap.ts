/** A binary min-heap ordered by (at, seq): earliest deadline first, FIFO among equal deadlines. */
export interface HeapEntry {
  at: number;
  seq: number;
}

export class MinHeap<T extends HeapEntry> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(a[i] as T, a[parent] as T)) break;
      swap(a, i, parent);
      i = parent;
    }
  }

  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (top === undefined || last === undefined || a.length === 0) return top;
    a[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && less(a[l] as T, a[m] as T)) m = l;
      if (r < a.length && less(a[r] as T, a[m] as T)) m = r;
      if (m === i) break;
      swap(a, i, m);
      i = m;
    }
    return top;
  }
}

function less(x: HeapEntry, y: HeapEntry): boolean {
  return x.at < y.at || (x.at === y.at && x.seq < y.seq);
}

function swap<T>(a: T[], i: number, j: number): void {
  const t = a[i] as T;
  a[i] = a[j] as T;
  a[j] = t;
}
