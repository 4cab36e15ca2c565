import type { ChartPoint } from './types.js';

/**
 * Min/max downsampling: time-ordered points bucketed into `columns` equal slices of [startMs, endMs]; each run of
 * values within a slice keeps only its minimum and maximum (in time order, once when the same point), and a null
 * between runs is kept (once), so gaps and one-sample spikes survive.
 */
export function downsampleMinMax(
  points: readonly ChartPoint[],
  startMs: number,
  endMs: number,
  columns: number,
): ChartPoint[] {
  const span = endMs - startMs;
  const slices = Math.max(1, Math.floor(columns));
  const sliceOf = (t: number): number =>
    span > 0 ? Math.min(slices - 1, Math.max(0, Math.floor(((t - startMs) / span) * slices))) : 0;
  const out: ChartPoint[] = [];
  let slice = -1;
  let low: ChartPoint | undefined;
  let high: ChartPoint | undefined;
  const flush = (): void => {
    if (low !== undefined && high !== undefined) {
      if (low === high) out.push(low);
      else if (low[0] <= high[0]) out.push(low, high);
      else out.push(high, low);
    }
    low = undefined;
    high = undefined;
  };
  for (const point of points) {
    const s = sliceOf(point[0]);
    if (s !== slice) {
      flush();
      slice = s;
    }
    const v = point[1];
    if (v === null) {
      flush();
      if (out.length === 0 || out[out.length - 1]?.[1] !== null) out.push(point);
      continue;
    }
    if (low === undefined || v < (low[1] ?? v)) low = point;
    if (high === undefined || v > (high[1] ?? v)) high = point;
  }
  flush();
  return out;
}
