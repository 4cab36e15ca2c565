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
