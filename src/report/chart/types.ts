/** Data shapes of the SVG charts (see ../svg-chart.ts). */

/** [epoch ms, value]; null = no value (a gap in the line). */
export type ChartPoint = readonly [number, number | null];

export interface ChartSeries {
  readonly name: string;
  /** In time order (sorted here when not). */
  readonly points: readonly ChartPoint[];
}

export interface ChartInput {
  readonly title: string;
  readonly unit: string;
  readonly series: readonly ChartSeries[];
  /** Pixels; default 800. */
  readonly width?: number;
  /** Pixels; default 300. */
  readonly height?: number;
}

export interface TimeTicks {
  readonly stepMs: number;
  /** Tick times, epoch ms, within [startMs, endMs]. */
  readonly ticks: number[];
  /** One per tick: HH:MM (HH:MM:SS under a minute), or "Jan 02" for day steps and at midnight. UTC. */
  readonly labels: string[];
}

export interface ValueTicks {
  /** The axis range: the first and last tick. */
  readonly min: number;
  readonly max: number;
  readonly step: number;
  readonly ticks: number[];
  readonly labels: string[];
}
