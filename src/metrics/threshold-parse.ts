/**
 * Threshold expressions, k6-style: `<aggregation> <op> <value>`, e.g. "p(99) < 250ms", "rate > 0.99", "count == 0".
 *
 * - aggregation: p(N) with 0 < N ≤ 100 (decimals allowed: p(99.9)), avg, min, max, med, count, rate; it must suit the
 *   metric's type (AGGREGATIONS_BY_TYPE).
 * - op: <, <=, >, >=, ==, !=
 * - value: a number. For time aggregations of a trend (everything but count) a unit is allowed: us, µs, ms, s, m; a
 *   bare number means milliseconds, as in k6. The value is stored in the metric's base unit: microseconds for trends.
 *   Rates are fractions from 0 to 1.
 */
import { FleetsimError } from '../core/errors.js';
import type { Aggregation, ComparisonOp, ThresholdExpression } from '../scenario/plan.js';
import { AGGREGATIONS_BY_TYPE, METRICS, type MetricName, type MetricType } from './names.js';

export class ThresholdSyntaxError extends FleetsimError {
  constructor(message: string, hint?: string) {
    super('FLEETSIM_E_SCENARIO', message, hint === undefined ? {} : { hint });
    this.name = 'ThresholdSyntaxError';
  }
}

const AGGREGATION_WORDS = ['avg', 'min', 'max', 'med', 'count', 'rate'] as const;
const OPS: readonly ComparisonOp[] = ['<=', '>=', '==', '!=', '<', '>'];
const MICROS_PER_UNIT: Record<string, number> = { us: 1, µs: 1, ms: 1000, s: 1_000_000, m: 60_000_000 };
const ALL_AGGREGATIONS = 'p(N), avg, min, max, med, count or rate';
const ALL_OPS = '<, <=, >, >=, == or !=';

export function parseThresholdExpression(source: string, metric: MetricName): ThresholdExpression {
  const type = METRICS[metric].type as MetricType;
  let rest = source.trim();
  if (rest === '') throw new ThresholdSyntaxError(`expected an expression such as "${example(type)}"; found an empty string`);

  const agg = readAggregation(rest);
  rest = rest.slice(agg.length).trimStart();
  checkApplies(agg.aggregation, agg.text, metric, type);

  const op = OPS.find((o) => rest.startsWith(o));
  if (op === undefined) {
    const found = rest === '' ? 'nothing' : `"${rest}"`;
    const hint = rest.startsWith('=') || rest.startsWith('!') ? 'write == or != to compare for equality' : undefined;
    throw new ThresholdSyntaxError(`expected a comparison (${ALL_OPS}) after "${agg.text}"; found ${found}`, hint);
  }
  rest = rest.slice(op.length).trimStart();

  const value = readValue(rest, op, agg.aggregation, metric, type);
  return { source, aggregation: agg.aggregation, op, value };
}

function example(type: MetricType): string {
  return type === 'trend' ? 'p(99) < 250ms' : type === 'rate' ? 'rate > 0.99' : 'count == 0';
}

function readAggregation(text: string): { aggregation: Aggregation; text: string; length: number } {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(\s*\(([^)]*)\))?/.exec(text);
  const word = m?.[1] ?? text.split(/\s/)[0] ?? text;
  if (m === null || (m[1] !== 'p' && !(AGGREGATION_WORDS as readonly string[]).includes(word))) {
    const hint = /^p\d/.test(word) ? `write p(${word.slice(1)})` : undefined;
    throw new ThresholdSyntaxError(`expected an aggregation (${ALL_AGGREGATIONS}) at the start; found "${word}"`, hint);
  }
  const whole = m[0];
  if (word === 'p') {
    const arg = m[3];
    if (arg === undefined) throw new ThresholdSyntaxError('expected a percentile in parentheses after p, such as p(95) or p(99.9)');
    const n = /^\s*\d+(\.\d+)?\s*$/.test(arg) ? Number(arg) : NaN;
    if (!(n > 0 && n <= 100)) {
      throw new ThresholdSyntaxError(`expected a percentile above 0 and at most 100 in p(N); found "p(${arg})"`);
    }
    return { aggregation: { kind: 'p', percentile: n }, text: `p(${arg.trim()})`, length: whole.length };
  }
  if (m[2] !== undefined) throw new ThresholdSyntaxError(`${word} takes no argument; found "${whole}"`, `write ${word}`);
  return { aggregation: { kind: word as (typeof AGGREGATION_WORDS)[number] }, text: word, length: whole.length };
}

function checkApplies(aggregation: Aggregation, text: string, metric: MetricName, type: MetricType): void {
  const valid = AGGREGATIONS_BY_TYPE[type];
  const name = aggregation.kind === 'p' ? 'p(N)' : aggregation.kind;
  if (!valid.includes(name)) {
    const list = valid.length === 1 ? (valid[0] as string) : `${valid.slice(0, -1).join(', ')} or ${valid[valid.length - 1] as string}`;
    throw new ThresholdSyntaxError(`${text} does not apply to ${metric}, a ${type} metric; use ${list}`);
  }
}

function readValue(text: string, op: string, aggregation: Aggregation, metric: MetricName, type: MetricType): number {
  const m = /^((?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?)\s*([A-Za-zµ%]*)\s*(.*)$/.exec(text);
  if (m === null) {
    const neg = text.startsWith('-') ? 'thresholds compare non-negative values; ' : '';
    throw new ThresholdSyntaxError(`${neg}expected a number after "${op}"; found ${text === '' ? 'nothing' : `"${text}"`}`);
  }
  const [, numberText = '', unit = '', trailing = ''] = m;
  const n = Number(numberText);
  if (trailing !== '') throw new ThresholdSyntaxError(`unexpected "${trailing}" after the value "${numberText}${unit}"`);

  const timed = type === 'trend' && aggregation.kind !== 'count';
  if (timed) {
    if (unit === '') return round(n * 1000);
    const factor = MICROS_PER_UNIT[unit];
    if (factor === undefined) {
      throw new ThresholdSyntaxError(`expected a time unit us, µs, ms, s or m after ${numberText}; found "${unit}"`);
    }
    return round(n * factor);
  }
  if (unit === '%' && type === 'rate') {
    throw new ThresholdSyntaxError(`a rate is a fraction from 0 to 1; found "${numberText}%"`, `write ${round(n / 100)}`);
  }
  if (unit !== '') {
    const what = type === 'trend' ? `the count of ${metric}` : `${metric} (a ${type})`;
    throw new ThresholdSyntaxError(`${what} takes a plain number; found the unit "${unit}"`, `write ${numberText}`);
  }
  if (type === 'rate' && n > 1) {
    throw new ThresholdSyntaxError(`a rate is a fraction from 0 to 1; found ${numberText}`, n <= 100 ? `write ${round(n / 100)}` : undefined);
  }
  return n;
}

/** Up to a thousandth of the unit: 1.1ms is 1100µs, not 1100.0000000000002. */
function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
