/**
 * Thresholds: `metric{phase:NAME}: [expression, …]`. Keys are checked against the metric catalog and the phase
 * names; expressions by the threshold parser, each problem at its own list item.
 */
import { parseDuration } from '../core/duration.js';
import { METRIC_NAMES, isMetricName, type MetricName } from '../metrics/names.js';
import { ThresholdSyntaxError, parseThresholdExpression } from '../metrics/threshold-parse.js';
import { isMap, type CompileContext } from './compile-context.js';
import { problem, type DocPath } from './issues.js';
import type { ThresholdExpression, ThresholdPlan } from './plan.js';
import { ThresholdItemSchema } from './schema.js';
import { closest, didYouMean, listAnd, quoteAll } from './wording.js';

/** Metrics only computed for the run as a whole. */
const RUN_ONLY: readonly MetricName[] = ['delivery.lost'];

export function compileThresholds(raw: unknown, phaseNames: readonly string[], ctx: CompileContext): ThresholdPlan[] {
  if (!isMap(raw)) return [];
  const plans: ThresholdPlan[] = [];
  for (const [key, items] of Object.entries(raw)) {
    const scope = parseKey(key, phaseNames, ctx);
    if (!Array.isArray(items)) continue; // the schema reports it
    const groups = new Map<string, { abortOnFail: boolean; delayAbortEvalMs: number; expressions: ThresholdExpression[] }>();
    items.forEach((item, j) => {
      const parsed = ThresholdItemSchema.safeParse(item);
      if (!parsed.success) return;
      const spec = typeof parsed.data === 'string' ? { threshold: parsed.data, abortOnFail: false, delayAbortEval: '0s' } : parsed.data;
      const path: DocPath = typeof parsed.data === 'string' ? ['thresholds', key, j] : ['thresholds', key, j, 'threshold'];
      if (scope === undefined) return;
      const expression = expressionOf(spec.threshold, scope.metric, path, ctx);
      if (expression === undefined) return;
      const delayAbortEvalMs = parseDuration(spec.delayAbortEval) as number;
      const groupKey = `${spec.abortOnFail}/${delayAbortEvalMs}`;
      const group = groups.get(groupKey) ?? { abortOnFail: spec.abortOnFail, delayAbortEvalMs, expressions: [] };
      group.expressions.push(expression);
      groups.set(groupKey, group);
    });
    if (scope === undefined) continue;
    for (const g of groups.values()) plans.push({ metric: scope.metric, phase: scope.phase, key, ...g });
  }
  return plans;
}

function expressionOf(source: string, metric: MetricName, path: DocPath, ctx: CompileContext): ThresholdExpression | undefined {
  try {
    return parseThresholdExpression(source, metric);
  } catch (err) {
    if (!(err instanceof ThresholdSyntaxError)) throw err;
    ctx.report(problem(path, `${err.message} (in ${JSON.stringify(source)})`, err.hint));
    return undefined;
  }
}

/** "telemetry.latency{phase:steady}" → its metric and phase; undefined after reporting what is wrong with it. */
function parseKey(key: string, phaseNames: readonly string[], ctx: CompileContext): { metric: MetricName; phase: string | null } | undefined {
  const at: DocPath = ['thresholds', key];
  const m = /^([^{}]*?)\s*(?:\{([^}]*)\})?$/.exec(key.trim());
  if (m === null) {
    ctx.report(problem(at, `expected a metric name, optionally scoped like telemetry.latency{phase:steady}; found ${JSON.stringify(key)}`, undefined, 'key'));
    return undefined;
  }
  const name = m[1] as string;
  const tag = m[2];
  let ok = true;
  if (!isMetricName(name)) {
    const near = closest(name, METRIC_NAMES);
    const hint = near.length === 0 ? `metrics: ${METRIC_NAMES.join(', ')}` : undefined;
    ctx.report(problem(at, `unknown metric ${JSON.stringify(name)}${didYouMean(name, METRIC_NAMES)}`, hint, 'key'));
    ok = false;
  }
  let phase: string | null = null;
  if (tag !== undefined) {
    const scope = /^\s*phase\s*:\s*([^\s]+)\s*$/.exec(tag);
    if (scope === null) {
      ctx.report(problem(at, `expected a scope {phase:NAME}; found {${tag}}`, undefined, 'key'));
      return undefined;
    }
    phase = scope[1] as string;
    if (!phaseNames.includes(phase)) {
      const hint = `phases are ${listAnd(quoteAll(phaseNames))}`;
      ctx.report(problem(at, `unknown phase ${JSON.stringify(phase)} in {phase:${phase}}${didYouMean(phase, phaseNames)}`, hint, 'key'));
      ok = false;
    }
    if (isMetricName(name) && RUN_ONLY.includes(name)) {
      ctx.report(problem(at, `${name} is only computed for the whole run; it cannot be scoped to a phase`, `write ${name} without {phase:${phase}}`, 'key'));
      ok = false;
    }
  }
  return ok && isMetricName(name) ? { metric: name, phase } : undefined;
}

