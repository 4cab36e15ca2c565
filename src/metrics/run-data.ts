/**
 * The raw, merged measurements of a run, phase by phase: what `summarize` reads. The RunAccumulator builds it live
 * from worker snapshots; a result file stores it (histograms encoded) so a summary can be rebuilt or merged later.
 */
import type { Histogram } from './hdr.js';

/** A gauge over a phase, taken on the sum across sources after each snapshot received. */
export interface GaugeStats {
  /** The sum after the last snapshot of the phase. */
  last: number;
  min: number;
  max: number;
  /** Mean of the sums sampled once per snapshot received (≈ a time average, since sources report every second). */
  avg: number;
  /** Number of samples behind avg. */
  samples: number;
}

/** The JSON-safe part of a phase's data (everything but the histograms). */
export interface PhaseRecord {
  readonly name: string;
  readonly kind: string;
  /** Planned offset from the run start and planned length. */
  readonly plannedStartMs: number;
  readonly plannedDurationMs: number;
  /** Actual wall-clock start and end (epoch ms), or null when the phase was not (fully) run. */
  startWallMs: number | null;
  endWallMs: number | null;
  /** Counter totals; a key is present only when some snapshot carried it (absent means "not measured"). */
  counters: Record<string, number>;
  /** Failures by "<scope>:<code>". */
  errors: Record<string, number>;
  gauges: Record<string, GaugeStats>;
}

export interface PhaseData extends PhaseRecord {
  /** Merged histograms by trend name (µs). */
  histograms: Map<string, Histogram>;
}

export interface RunData {
  readonly phases: readonly PhaseData[];
  /** Counters that exist only for the whole run (e.g. delivery.lost, known at the end). */
  readonly runCounters: Record<string, number>;
  /** Gauge values summed across sources after the last snapshot (e.g. telemetry.inflight at stop). */
  readonly finalGauges: Record<string, number>;
}

/** Planned phase layout, as the accumulator is constructed with (a PhasePlan fits). */
export interface PhaseInfo {
  readonly name: string;
  readonly kind: string;
  readonly startMs: number;
  readonly durationMs: number;
}

/** Adds every entry of `from` into `into` (missing keys start at 0). */
export function addCounts(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const [key, value] of Object.entries(from)) into[key] = (into[key] ?? 0) + value;
}

/** Folds one sample into a gauge's stats, creating them on the first sample. */
export function sampleGauge(stats: GaugeStats | undefined, value: number): GaugeStats {
  if (stats === undefined) return { last: value, min: value, max: value, avg: value, samples: 1 };
  stats.samples += 1;
  stats.avg += (value - stats.avg) / stats.samples;
  stats.last = value;
  if (value < stats.min) stats.min = value;
  if (value > stats.max) stats.max = value;
  return stats;
}

/**
 * Phase length used for per-second figures:
 *  - started and ended: endWallMs − startWallMs;
 *  - started, not ended (live, or interrupted): nowMs − startWallMs when nowMs is given, else the planned length;
 *  - never marked: the planned length if the phase has any data, else 0 (a phase an interrupted run never reached).
 */
export function phaseDurationMs(phase: PhaseRecord, nowMs?: number): number {
  if (phase.startWallMs !== null) {
    if (phase.endWallMs !== null) return Math.max(0, phase.endWallMs - phase.startWallMs);
    return nowMs === undefined ? phase.plannedDurationMs : Math.max(0, nowMs - phase.startWallMs);
  }
  const hasData = Object.keys(phase.counters).length > 0 || Object.keys(phase.errors).length > 0;
  return hasData ? phase.plannedDurationMs : 0;
}

/** A phase with nothing recorded yet. */
export function emptyPhaseData(name: string, kind: string, plannedStartMs: number, plannedDurationMs: number): PhaseData {
  return {
    name,
    kind,
    plannedStartMs,
    plannedDurationMs,
    startWallMs: null,
    endWallMs: null,
    counters: {},
    errors: {},
    gauges: {},
    histograms: new Map(),
  };
}
