/** A contiguous range of global device indices owned by one shard: [first, end). */
export interface ShardRange {
  readonly index: number;
  readonly count: number;
  readonly first: number;
  readonly end: number;
}

/**
 * Split N devices into `count` contiguous shards whose sizes differ by at most one. A device's identity and streams
 * depend only on the seed and its global index, so any shard count yields the same fleet.
 */
export function splitShards(totalDevices: number, count: number): ShardRange[] {
  const n = Math.max(1, Math.min(count, totalDevices));
  const out: ShardRange[] = [];
  for (let i = 0; i < n; i++) {
    out.push({ index: i, count: n, first: Math.floor((i * totalDevices) / n), end: Math.floor(((i + 1) * totalDevices) / n) });
  }
  return out;
}

/** One part of a run split across machines or processes: `--shard 2/4` is { index: 1, count: 4 } (the flag is 1-based). */
export interface ShardSpec {
  readonly index: number;
  readonly count: number;
}

/**
 * Parse `--shard i/N`: 1-based, as in Jest and Playwright (`--shard 1/4` … `--shard 4/4`). Returns a message naming
 * the fix for anything else.
 */
export function parseShardSpec(text: string): ShardSpec | { readonly problem: string } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (m === null) return { problem: `expected i/N such as 1/4 (the first of four shards); found "${text}"` };
  const i = Number(m[1]);
  const n = Number(m[2]);
  if (n < 1) return { problem: `the shard count must be at least 1; found "${text}"` };
  if (i < 1 || i > n) return { problem: `shards are numbered 1 to ${n} (1-based); found "${text}"` };
  return { index: i - 1, count: n };
}

/** The device range [first, end) of shard `spec` among all `totalDevices`: the same split as splitShards. */
export function shardDevices(totalDevices: number, spec: ShardSpec): { readonly first: number; readonly end: number } {
  return { first: Math.floor((spec.index * totalDevices) / spec.count), end: Math.floor(((spec.index + 1) * totalDevices) / spec.count) };
}

/**
 * Lay a run out for execution: the devices [first, end) split over `processes` processes of `threadsPerProcess`
 * worker threads each. Each thread gets a contiguous range and an index unique in the run (so one collector can merge
 * every thread of every process); the result lists each process's threads. Empty processes and threads are dropped.
 */
export function layoutShards(range: { first: number; end: number }, processes: number, threadsPerProcess: number): ShardRange[][] {
  const total = range.end - range.first;
  const perProcess = splitShards(total, processes);
  const out: ShardRange[][] = [];
  let next = 0;
  for (const p of perProcess) {
    if (p.end <= p.first) continue;
    const threads = splitShards(p.end - p.first, threadsPerProcess)
      .filter((t) => t.end > t.first)
      .map((t) => ({ index: next++, count: 0, first: range.first + p.first + t.first, end: range.first + p.first + t.end }));
    out.push(threads);
  }
  // No device here (a shard of a tiny fleet): one empty thread still runs the timeline, so the result has its phases.
  if (out.length === 0) return [[{ index: 0, count: 1, first: range.first, end: range.first }]];
  const count = next;
  return out.map((threads) => threads.map((t) => ({ ...t, count })));
}
