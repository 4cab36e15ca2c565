/**
 * The result file (result.json): everything needed to re-render a run's report later, or to merge runs split across
 * machines (`--shard i/N`): the raw per-phase data with histograms encoded, the summary, and the threshold plans so
 * thresholds can be re-evaluated on a merged result.
 */
import { FleetsimError } from '../core/errors.js';
import type { RunPlan, TargetPlan, ThresholdPlan } from '../scenario/plan.js';
import type { HubStats } from './hub-report.js';
import { addHistogram, decodeHistogram, encodeHistogram, type Histogram } from './hdr.js';
import { addCounts, type GaugeStats, type PhaseData, type PhaseRecord, type RunData } from './run-data.js';
import { summarize, type RunSummary } from './summary.js';
import { evaluateThresholds, type ThresholdResult } from './thresholds.js';

/** RunData without the histograms: the JSON-safe raw measurements. */
export interface RunRecord {
  readonly phases: PhaseRecord[];
  readonly runCounters: Record<string, number>;
  readonly finalGauges: Record<string, number>;
}

export interface RunResult {
  readonly fleetsimResult: 1;
  /** Scenario name and the file it came from. */
  readonly scenario: string;
  readonly source: string;
  readonly seed: string;
  /** "embedded" or the broker URL (password removed). */
  readonly target: string;
  /** ISO 8601. */
  readonly startedAt: string;
  readonly endedAt: string;
  readonly interrupted: boolean;
  readonly abortReason: string | null;
  readonly exitCode: number;
  readonly workers: number;
  readonly devices: number;
  /** plan.report.saturationMs, to recompute the saturation flag. */
  readonly saturationMs: number;
  readonly summary: RunSummary;
  readonly thresholdPlans: readonly ThresholdPlan[];
  readonly thresholds: ThresholdResult[];
  readonly data: RunRecord;
  /** Encoded (compressed base64) histograms: phase name → trend name → encoding. */
  readonly histograms: Record<string, Record<string, string>>;
  /** The embedded hub's throttling and telemetry-stream counters (absent for external targets and merged results). */
  readonly hub?: HubStats;
}

export interface RunResultInput {
  readonly plan: Pick<RunPlan, 'name' | 'source' | 'seed' | 'target' | 'totalDevices' | 'thresholds' | 'report'>;
  readonly data: RunData;
  /** Computed from data when omitted. */
  readonly summary?: RunSummary;
  /** Evaluated from plan.thresholds when omitted. */
  readonly thresholds?: ThresholdResult[];
  readonly startedAt: Date;
  readonly endedAt: Date;
  readonly interrupted: boolean;
  readonly abortReason: string | null;
  readonly exitCode: number;
  readonly workers: number;
  /** Overrides the target text derived from plan.target. */
  readonly target?: string;
  /** Devices the run drove when not all of the plan's (a `--shard i/N` part); merged results add them up. */
  readonly devices?: number;
  readonly hub?: HubStats | undefined;
}

export function createRunResult(input: RunResultInput): RunResult {
  const { plan } = input;
  const summary = input.summary ?? summarize(input.data, { saturationMs: plan.report.saturationMs });
  return {
    fleetsimResult: 1,
    scenario: plan.name,
    source: plan.source,
    seed: plan.seed,
    target: input.target ?? targetText(plan.target),
    startedAt: input.startedAt.toISOString(),
    endedAt: input.endedAt.toISOString(),
    interrupted: input.interrupted,
    abortReason: input.abortReason,
    exitCode: input.exitCode,
    workers: input.workers,
    devices: input.devices ?? plan.totalDevices,
    saturationMs: plan.report.saturationMs,
    summary,
    thresholdPlans: plan.thresholds,
    thresholds: input.thresholds ?? evaluateThresholds(plan.thresholds, summary),
    ...encodeRunData(input.data),
    ...(input.hub === undefined ? {} : { hub: input.hub }),
  };
}

/** "embedded", or the URL(s) with any password replaced by "***". */
export function targetText(target: TargetPlan): string {
  if (target.kind === 'embedded') return 'embedded';
  return (target.endpoints ?? [target.url]).map(safeUrl).join(',');
}

function safeUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return text;
  }
}

/** Splits RunData into its JSON-safe record and encoded histograms (phase → trend → base64). */
export function encodeRunData(data: RunData): { data: RunRecord; histograms: Record<string, Record<string, string>> } {
  const histograms: Record<string, Record<string, string>> = {};
  const phases = data.phases.map((p): PhaseRecord => {
    const encoded: Record<string, string> = {};
    for (const [name, h] of p.histograms) if (h.totalCount > 0) encoded[name] = encodeHistogram(h);
    histograms[p.name] = encoded;
    return {
      name: p.name,
      kind: p.kind,
      plannedStartMs: p.plannedStartMs,
      plannedDurationMs: p.plannedDurationMs,
      startWallMs: p.startWallMs,
      endWallMs: p.endWallMs,
      counters: { ...p.counters },
      errors: { ...p.errors },
      gauges: Object.fromEntries(Object.entries(p.gauges).map(([k, g]) => [k, { ...g }])),
    };
  });
  return { data: { phases, runCounters: { ...data.runCounters }, finalGauges: { ...data.finalGauges } }, histograms };
}

/** The inverse of encodeRunData. */
export function decodeRunData(result: Pick<RunResult, 'data' | 'histograms'>): RunData {
  const phases = result.data.phases.map((p): PhaseData => {
    const encoded = Object.entries(result.histograms[p.name] ?? {});
    const histograms = new Map(encoded.map(([k, v]) => [k, decodeHistogram(v)]));
    return { ...structuredClone(p), histograms };
  });
  return { phases, runCounters: { ...result.data.runCounters }, finalGauges: { ...result.data.finalGauges } };
}

/** The summary recomputed from the stored data and encoded histograms (histograms attached, so any p(N) works). */
export function rebuildSummary(result: RunResult): RunSummary {
  return summarize(decodeRunData(result), { saturationMs: result.saturationMs });
}

/** Reads a result file's text; throws FLEETSIM_E_USAGE when it is not a fleetsim result of a known version. */
export function parseRunResult(text: string, file = 'result'): RunResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new FleetsimError('FLEETSIM_E_USAGE', `${file} is not JSON: ${(err as Error).message}`);
  }
  const v = value as Partial<RunResult> | null;
  const shaped = v !== null && typeof v === 'object' && typeof v.data === 'object' && typeof v.histograms === 'object';
  if (!shaped || v.fleetsimResult !== 1) {
    throw new FleetsimError('FLEETSIM_E_USAGE', `${file} is not a fleetsim result (expected "fleetsimResult": 1)`);
  }
  return v as RunResult;
}

/**
 * Merges results of one scenario run as several parts (shards on different machines, same phases): counters, errors
 * and histograms are added per phase; phase timing spans the earliest start to the latest end; gauges are summed
 * (last, min, max and avg each summed: exact for last, an approximation for min/max when the parts peaked at
 * different moments); devices and workers are summed; interrupted if any part was. The summary is recomputed and the
 * thresholds re-evaluated from the first result's threshold plans. exitCode is the highest of the parts' (the CLI
 * that merges decides its own).
 */
export function mergeResults(results: readonly RunResult[]): RunResult {
  const [first, ...rest] = results;
  if (first === undefined) throw new FleetsimError('FLEETSIM_E_USAGE', 'no results to merge');
  const names = first.data.phases.map((p) => p.name).join(',');
  for (const r of rest) {
    const other = r.data.phases.map((p) => p.name).join(',');
    if (other !== names) {
      const message = `cannot merge results with different phases: [${names}] and [${other}]`;
      throw new FleetsimError('FLEETSIM_E_USAGE', message);
    }
  }
  const parts = results.map(decodeRunData);
  const merged: RunData = {
    phases: first.data.phases.map((_, i) => mergePhase(parts.map((d) => d.phases[i] as PhaseData))),
    runCounters: sumRecords(parts.map((d) => d.runCounters)),
    finalGauges: sumRecords(parts.map((d) => d.finalGauges)),
  };
  const summary = summarize(merged, { saturationMs: first.saturationMs });
  return {
    ...first,
    seed: distinct(results.map((r) => r.seed)),
    target: distinct(results.map((r) => r.target)),
    startedAt: results.map((r) => r.startedAt).reduce((a, b) => (b < a ? b : a)),
    endedAt: results.map((r) => r.endedAt).reduce((a, b) => (b > a ? b : a)),
    interrupted: results.some((r) => r.interrupted),
    abortReason: results.find((r) => r.abortReason !== null)?.abortReason ?? null,
    exitCode: Math.max(...results.map((r) => r.exitCode)),
    workers: results.reduce((n, r) => n + r.workers, 0),
    devices: results.reduce((n, r) => n + r.devices, 0),
    summary,
    thresholds: evaluateThresholds(first.thresholdPlans, summary),
    ...encodeRunData(merged),
  };
}

function mergePhase(parts: PhaseData[]): PhaseData {
  const [head] = parts as [PhaseData];
  const starts = parts.map((p) => p.startWallMs).filter((t): t is number => t !== null);
  const ends = parts.map((p) => p.endWallMs).filter((t): t is number => t !== null);
  const histograms = new Map<string, Histogram>();
  for (const p of parts) {
    for (const [name, h] of p.histograms) {
      const into = histograms.get(name);
      if (into === undefined) histograms.set(name, h);
      else addHistogram(into, h);
    }
  }
  const gauges: Record<string, GaugeStats> = {};
  for (const p of parts) {
    for (const [name, g] of Object.entries(p.gauges)) {
      const into = gauges[name];
      if (into === undefined) gauges[name] = { ...g };
      else gauges[name] = sumGauge(into, g);
    }
  }
  return {
    ...head,
    startWallMs: starts.length > 0 ? Math.min(...starts) : null,
    endWallMs: ends.length > 0 ? Math.max(...ends) : null,
    counters: sumRecords(parts.map((p) => p.counters)),
    errors: sumRecords(parts.map((p) => p.errors)),
    gauges,
    histograms,
  };
}

function sumGauge(a: GaugeStats, b: GaugeStats): GaugeStats {
  return {
    last: a.last + b.last,
    min: a.min + b.min,
    max: a.max + b.max,
    avg: a.avg + b.avg,
    samples: a.samples + b.samples,
  };
}

function sumRecords(records: readonly Readonly<Record<string, number>>[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const r of records) addCounts(sum, r);
  return sum;
}

function distinct(values: readonly string[]): string {
  return [...new Set(values)].join(', ');
}
