/**
 * Threshold evaluation against a RunSummary. One result per expression ("p(99) < 250ms" and "max < 1s" on the same key
 * are two results). Scope {phase:X} reads phase X; no scope reads the run total.
 *
 * Observed value by metric type and aggregation (values in the metric's base unit, µs for trends):
 *  - trend:   p(N) = Nth percentile of the merged histogram; med = p(50); avg = mean; min; max;
 *             count = number of values recorded.
 *  - counter: count = sum; rate = sum ÷ duration in seconds (the phase's actual duration, or the run's).
 *  - rate:    rate = the fraction (see PhaseSummary.rates).
 *  - gauge:   min, max, avg of the cross-source sum over the scope.
 * No data (trend without values, rate with a zero denominator, gauge never reported) gives observed null and FAILS.
 * Counters always have data: a counter never incremented is 0.
 */
import type { Aggregation, ComparisonOp, ThresholdExpression, ThresholdPlan } from '../scenario/plan.js';
import { METRICS, isMetricName, type CounterName, type GaugeName, type TrendName } from './names.js';
import { valueAtPercentile, type TrendStats } from './hdr.js';
import { summaryHistograms, type PhaseSummary, type RateName, type RunSummary } from './summary.js';

export interface ThresholdResult {
  /** The key as written, e.g. "telemetry.latency{phase:steady}". */
  readonly key: string;
  readonly metric: string;
  /** Phase scope, or null for the whole run. */
  readonly phase: string | null;
  /** The expression as written, e.g. "p(99) < 250ms". */
  readonly expression: string;
  /** Its aggregation (renderers format the observed value by it). */
  readonly aggregation: Aggregation;
  /** Observed value in the metric's base unit; null when there was no data. */
  readonly observed: number | null;
  readonly pass: boolean;
  readonly abortOnFail: boolean;
  /** Why observed is null ("no data", "unknown phase steady", ...), else null. */
  readonly note: string | null;
}

export function evaluateThresholds(thresholds: readonly ThresholdPlan[], summary: RunSummary): ThresholdResult[] {
  const results: ThresholdResult[] = [];
  for (const t of thresholds) {
    const scope = t.phase === null ? summary.total : summary.phases.find((p) => p.name === t.phase);
    for (const e of t.expressions) {
      const { observed, note } =
        scope === undefined
          ? { observed: null, note: `unknown phase ${t.phase ?? ''}` }
          : observe(t.metric, e, scope, summary);
      results.push({
        key: t.key,
        metric: t.metric,
        phase: t.phase,
        expression: e.source,
        aggregation: e.aggregation,
        observed,
        pass: observed !== null && compare(observed, e.op, e.value),
        abortOnFail: t.abortOnFail,
        note,
      });
    }
  }
  return results;
}

/** True when every result passed (and vacuously when there are none). */
export function thresholdsPassed(results: readonly ThresholdResult[]): boolean {
  return results.every((r) => r.pass);
}

export function compare(observed: number, op: ComparisonOp, value: number): boolean {
  switch (op) {
    case '<':
      return observed < value;
    case '<=':
      return observed <= value;
    case '>':
      return observed > value;
    case '>=':
      return observed >= value;
    case '==':
      return observed === value;
    case '!=':
      return observed !== value;
  }
}

interface Observation {
  readonly observed: number | null;
  readonly note: string | null;
}

const NO_DATA: Observation = { observed: null, note: 'no data' };

function value(observed: number | null | undefined): Observation {
  return observed === null || observed === undefined ? NO_DATA : { observed, note: null };
}

function observe(metric: string, e: ThresholdExpression, scope: PhaseSummary, summary: RunSummary): Observation {
  if (!isMetricName(metric)) return { observed: null, note: `unknown metric ${metric}` };
  const agg = e.aggregation;
  const type = METRICS[metric].type;
  const invalid: Observation = { observed: null, note: `${agg.kind} does not apply to a ${type}` };
  switch (type) {
    case 'trend': {
      const stats = scope.trends[metric as TrendName];
      if (stats === undefined) return NO_DATA;
      if (agg.kind === 'p') {
        const observed = percentile(summary, scope.name, metric, agg.percentile, stats);
        if (observed !== null) return value(observed);
        return { observed, note: `p(${agg.percentile}) needs the histograms (rebuildSummary)` };
      }
      if (agg.kind === 'med') return value(percentile(summary, scope.name, metric, 50, stats));
      if (agg.kind === 'avg') return value(stats.mean);
      if (agg.kind === 'min' || agg.kind === 'max' || agg.kind === 'count') return value(stats[agg.kind]);
      return invalid;
    }
    case 'counter': {
      const count = scope.counters[metric as CounterName];
      if (agg.kind === 'count') return value(count);
      if (agg.kind === 'rate') return scope.durationMs > 0 ? value(count / (scope.durationMs / 1000)) : NO_DATA;
      return invalid;
    }
    case 'rate':
      return agg.kind === 'rate' ? value(scope.rates[metric as RateName]) : invalid;
    case 'gauge': {
      const g = scope.gauges[metric as GaugeName];
      if (agg.kind !== 'min' && agg.kind !== 'max' && agg.kind !== 'avg') return invalid;
      if (g === undefined) return NO_DATA;
      return value(g[agg.kind]);
    }
  }
}

/**
 * The percentile from the merged histogram when the summary has one attached; otherwise (summary read back from JSON)
 * from the precomputed stats for p50/p90/p95/p99/p99.9, and null for other percentiles.
 */
function percentile(summary: RunSummary, scope: string, metric: string, p: number, stats: TrendStats): number | null {
  const h = summaryHistograms(summary)?.get(scope)?.get(metric);
  if (h !== undefined) return valueAtPercentile(h, p);
  const known: Record<number, number> = {
    50: stats.p50,
    90: stats.p90,
    95: stats.p95,
    99: stats.p99,
    99.9: stats.p999,
  };
  return known[p] ?? null;
}
