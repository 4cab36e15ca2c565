/**
 * RunData → RunSummary: the figures the report prints and thresholds check, per phase and for the whole run. A summary
 * is plain JSON. The merged histograms behind it stay attached out of band (see summaryHistograms) so thresholds can
 * ask for any percentile.
 */
import { METRICS, type CounterName, type GaugeName, type MetricName, type TrendName } from './names.js';
import { createHistogram, addHistogram, histogramStats, type Histogram, type TrendStats } from './hdr.js';
import { addCounts, emptyPhaseData, phaseDurationMs, type GaugeStats, type PhaseData, type RunData } from './run-data.js';

export type { TrendStats } from './hdr.js';
export type { GaugeStats } from './run-data.js';
export type RateName = { [K in MetricName]: (typeof METRICS)[K]['type'] extends 'rate' ? K : never }[MetricName];

const NAMES = Object.keys(METRICS) as MetricName[];
export const COUNTER_NAMES = NAMES.filter((n): n is CounterName => METRICS[n].type === 'counter');
export const TREND_NAMES = NAMES.filter((n): n is TrendName => METRICS[n].type === 'trend');

export interface PhaseSummary {
  /** Phase name, or "total" for the whole run. */
  readonly name: string;
  /** Phase kind, or "total". */
  readonly kind: string;
  /** Actual length used for per-second figures (planned length when timing was not recorded). */
  readonly durationMs: number;
  /** Every CounterName, 0 when nothing was counted. */
  readonly counters: Record<CounterName, number>;
  /** Stats of each trend that recorded at least one value (µs). */
  readonly trends: Partial<Record<TrendName, TrendStats>>;
  /**
   * connect.success = connect.ok ÷ connect.attempts; telemetry.success = acked ÷ (acked + failed);
   * delivery.success = 1 − delivery.lost ÷ telemetry.acked, only where delivery.lost was measured (the run total,
   * usually). null when the denominator is 0 or the input was not measured.
   */
  readonly rates: Record<RateName, number | null>;
  /** Gauges summed across sources, sampled per snapshot (see GaugeStats). */
  readonly gauges: Partial<Record<GaugeName, GaugeStats>>;
  /** Failures by "<scope>:<code>". */
  readonly errors: Record<string, number>;
  /** telemetry.sent ÷ duration and telemetry.acked ÷ duration, per second (0 when the duration is 0). */
  readonly throughput: { readonly sentPerS: number; readonly ackedPerS: number };
}

/** sent = acked + failed + inflight, inflight being the final telemetry.inflight summed over sources. */
export interface Reconciliation {
  readonly sent: number;
  readonly acked: number;
  readonly failed: number;
  readonly inflight: number;
  /** sent − (acked + failed + inflight); 0 when reconciled. */
  readonly difference: number;
  readonly ok: boolean;
}

export interface Saturation {
  readonly saturated: boolean;
  /** One sentence per figure over the limit, naming the figure and the limit. */
  readonly reasons: string[];
}

export interface RunSummary {
  readonly phases: PhaseSummary[];
  /** All phases merged (histograms added, counters summed, plus run-only counters); duration = Σ phase durations. */
  readonly total: PhaseSummary;
  readonly reconciliation: Reconciliation;
  readonly saturation: Saturation;
}

export interface SummarizeOptions {
  /** plan.report.saturationMs: p99 schedule.lag or p99 eventloop.delay above it flags the generator as saturated. */
  readonly saturationMs: number;
  /** Wall time now, to measure a phase that started and has not ended (live evaluation); see phaseDurationMs. */
  readonly nowMs?: number;
}

/** Merged histograms behind a summary: key = phase name, or "total". */
export type SummaryHistograms = ReadonlyMap<string, ReadonlyMap<string, Histogram>>;
const HISTOGRAMS = new WeakMap<RunSummary, SummaryHistograms>();

/** The histograms a summary was computed from, when it came from summarize() in this process (not from JSON). */
export function summaryHistograms(summary: RunSummary): SummaryHistograms | undefined {
  return HISTOGRAMS.get(summary);
}

export function summarize(data: RunData, options: SummarizeOptions): RunSummary {
  const histograms = new Map<string, ReadonlyMap<string, Histogram>>();
  const phases = data.phases.map((p) => {
    histograms.set(p.name, p.histograms);
    return phaseSummary(p, phaseDurationMs(p, options.nowMs));
  });
  const totalData = mergePhases(data);
  histograms.set('total', totalData.histograms);
  const total = phaseSummary(totalData, phases.reduce((sum, p) => sum + p.durationMs, 0));
  const inflight = data.finalGauges['telemetry.inflight'] ?? 0;
  const summary: RunSummary = {
    phases,
    total,
    reconciliation: reconcile(total.counters, inflight),
    saturation: saturation(total, options.saturationMs),
  };
  HISTOGRAMS.set(summary, histograms);
  return summary;
}

/** Reconciles telemetry.sent against acked + failed + in flight (the architecture's "counts must reconcile"). */
export function reconcile(counters: Record<CounterName, number>, inflight: number): Reconciliation {
  const sent = counters['telemetry.sent'];
  const acked = counters['telemetry.acked'];
  const failed = counters['telemetry.failed'];
  const difference = sent - (acked + failed + inflight);
  return { sent, acked, failed, inflight, difference, ok: difference === 0 };
}

/** saturated when total p99 schedule.lag or p99 eventloop.delay (µs) exceeds saturationMs × 1000. */
export function saturation(total: PhaseSummary, saturationMs: number): Saturation {
  const limitMicros = saturationMs * 1000;
  const reasons: string[] = [];
  for (const name of ['schedule.lag', 'eventloop.delay'] as const) {
    const p99 = total.trends[name]?.p99;
    if (p99 !== undefined && p99 > limitMicros) {
      reasons.push(`p99 ${name} ${formatMs(p99 / 1000)} exceeds report.saturationMs ${formatMs(saturationMs)}`);
    }
  }
  return { saturated: reasons.length > 0, reasons };
}

function formatMs(ms: number): string {
  return `${Number(ms.toFixed(ms < 10 ? 2 : 1))}ms`;
}

function phaseSummary(p: PhaseData, durationMs: number): PhaseSummary {
  const counters = {} as Record<CounterName, number>;
  for (const name of COUNTER_NAMES) counters[name] = p.counters[name] ?? 0;
  const trends: Partial<Record<TrendName, TrendStats>> = {};
  for (const name of TREND_NAMES) {
    const h = p.histograms.get(name);
    if (h !== undefined && h.totalCount > 0) trends[name] = histogramStats(h);
  }
  const gauges: Partial<Record<GaugeName, GaugeStats>> = {};
  for (const [name, stats] of Object.entries(p.gauges)) gauges[name as GaugeName] = { ...stats };
  const seconds = durationMs / 1000;
  const acked = counters['telemetry.acked'];
  const lost = p.counters['delivery.lost'];
  return {
    name: p.name,
    kind: p.kind,
    durationMs,
    counters,
    trends,
    rates: {
      'connect.success': ratio(counters['connect.ok'], counters['connect.attempts']),
      'telemetry.success': ratio(acked, acked + counters['telemetry.failed']),
      'delivery.success': lost === undefined ? null : oneMinus(ratio(lost, acked)),
    },
    gauges,
    errors: { ...p.errors },
    throughput: {
      sentPerS: seconds > 0 ? counters['telemetry.sent'] / seconds : 0,
      ackedPerS: seconds > 0 ? counters['telemetry.acked'] / seconds : 0,
    },
  };
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}

function oneMinus(x: number | null): number | null {
  return x === null ? null : 1 - x;
}

/**
 * All phases as one: counters and errors summed (plus run-only counters), histograms added, gauges: last = final
 * sum across sources, min/max over phases, avg weighted by samples.
 */
function mergePhases(data: RunData): PhaseData {
  const plannedMs = data.phases.reduce((sum, p) => sum + p.plannedDurationMs, 0);
  const total = emptyPhaseData('total', 'total', 0, plannedMs);
  for (const p of data.phases) {
    addCounts(total.counters, p.counters);
    addCounts(total.errors, p.errors);
    for (const [name, h] of p.histograms) {
      let merged = total.histograms.get(name);
      if (merged === undefined) total.histograms.set(name, (merged = createHistogram()));
      addHistogram(merged, h);
    }
    for (const [name, g] of Object.entries(p.gauges)) {
      const t = total.gauges[name];
      if (t === undefined) total.gauges[name] = { ...g };
      else {
        t.min = Math.min(t.min, g.min);
        t.max = Math.max(t.max, g.max);
        t.avg = (t.avg * t.samples + g.avg * g.samples) / (t.samples + g.samples);
        t.samples += g.samples;
        t.last = g.last;
      }
    }
  }
  addCounts(total.counters, data.runCounters);
  for (const [name, value] of Object.entries(data.finalGauges)) {
    const t = total.gauges[name];
    if (t !== undefined) t.last = value;
  }
  return total;
}
