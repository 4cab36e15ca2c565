import { describe, expect, it } from 'vitest';
import type { Aggregation, ComparisonOp, ThresholdPlan } from '../../src/scenario/plan.js';
import { summarize } from '../../src/metrics/summary.js';
import { compare, evaluateThresholds, thresholdsPassed } from '../../src/metrics/thresholds.js';
import { fixtureAccumulator } from './metrics-fixture.js';

function threshold(metric: string, phase: string | null, source: string, aggregation: Aggregation, op: ComparisonOp, value: number): ThresholdPlan {
  return {
    metric,
    phase,
    key: phase === null ? metric : `${metric}{phase:${phase}}`,
    expressions: [{ source, aggregation, op, value }],
    abortOnFail: false,
    delayAbortEvalMs: 0,
  };
}

const summary = summarize(fixtureAccumulator().data(), { saturationMs: 50 });

function observed(t: ThresholdPlan): number | null {
  const [r] = evaluateThresholds([t], summary);
  return r!.observed;
}

describe('evaluateThresholds', () => {
  it('trend aggregations come from the merged histogram', () => {
    const m = 'telemetry.latency';
    expect(observed(threshold(m, null, 'p(99) < 1ms', { kind: 'p', percentile: 99 }, '<', 1000))).toBe(990);
    expect(observed(threshold(m, null, 'p(75) < 1ms', { kind: 'p', percentile: 75 }, '<', 1000))).toBe(750);
    expect(observed(threshold(m, null, 'p(99.9) < 1ms', { kind: 'p', percentile: 99.9 }, '<', 1000))).toBe(999);
    expect(observed(threshold(m, null, 'med < 1ms', { kind: 'med' }, '<', 1000))).toBe(500);
    expect(observed(threshold(m, null, 'avg < 1ms', { kind: 'avg' }, '<', 1000))).toBeCloseTo(500.5, 6);
    expect(observed(threshold(m, null, 'min < 1ms', { kind: 'min' }, '<', 1000))).toBe(1);
    expect(observed(threshold(m, null, 'max < 1ms', { kind: 'max' }, '<', 1000))).toBe(1000);
    expect(observed(threshold(m, null, 'count > 10', { kind: 'count' }, '>', 10))).toBe(2000);
  });

  it('counter count and rate, rate fraction, gauge min/max/avg', () => {
    expect(observed(threshold('telemetry.sent', null, 'count > 0', { kind: 'count' }, '>', 0))).toBe(2000);
    expect(observed(threshold('telemetry.sent', 'steady', 'rate > 0', { kind: 'rate' }, '>', 0))).toBe(100);
    expect(observed(threshold('telemetry.sent', null, 'rate > 0', { kind: 'rate' }, '>', 0))).toBeCloseTo(2000 / 30, 9);
    expect(observed(threshold('connect.success', null, 'rate > 0.95', { kind: 'rate' }, '>', 0.95))).toBeCloseTo(0.9, 12);
    expect(observed(threshold('devices.connected', 'connect', 'min > 0', { kind: 'min' }, '>', 0))).toBe(9);
    expect(observed(threshold('devices.connected', 'connect', 'max > 0', { kind: 'max' }, '>', 0))).toBe(18);
    expect(observed(threshold('devices.connected', 'connect', 'avg > 0', { kind: 'avg' }, '>', 0))).toBe(13.5);
  });

  it('pass and fail follow the comparison, and carry key, phase, expression and abortOnFail', () => {
    const plans: ThresholdPlan[] = [
      { ...threshold('telemetry.latency', 'steady', 'p(99) < 250ms', { kind: 'p', percentile: 99 }, '<', 250_000), abortOnFail: true },
      threshold('connect.success', null, 'rate > 0.95', { kind: 'rate' }, '>', 0.95),
    ];
    const results = evaluateThresholds(plans, summary);
    expect(results).toEqual([
      {
        key: 'telemetry.latency{phase:steady}',
        metric: 'telemetry.latency',
        phase: 'steady',
        expression: 'p(99) < 250ms',
        aggregation: { kind: 'p', percentile: 99 },
        observed: 990,
        pass: true,
        abortOnFail: true,
        note: null,
      },
      expect.objectContaining({ key: 'connect.success', pass: false, observed: 0.9 }),
    ]);
    expect(thresholdsPassed(results)).toBe(false);
    expect(thresholdsPassed(results.slice(0, 1))).toBe(true);
    expect(thresholdsPassed([])).toBe(true);
  });

  it('phase scope reads that phase only', () => {
    // connect.latency exists in the connect phase, not in steady.
    const inConnect = threshold('connect.latency', 'connect', 'count == 18', { kind: 'count' }, '==', 18);
    const inSteady = threshold('connect.latency', 'steady', 'count == 18', { kind: 'count' }, '==', 18);
    const [a, b] = evaluateThresholds([inConnect, inSteady], summary);
    expect(a).toMatchObject({ observed: 18, pass: true });
    expect(b).toMatchObject({ observed: null, pass: false, note: 'no data' });
  });

  it('no data fails, except counters which are 0', () => {
    const results = evaluateThresholds(
      [
        threshold('telemetry.e2e', null, 'p(99) < 1s', { kind: 'p', percentile: 99 }, '<', 1_000_000),
        threshold('telemetry.success', 'connect', 'rate > 0.9', { kind: 'rate' }, '>', 0.9),
        threshold('delivery.success', 'steady', 'rate > 0.9', { kind: 'rate' }, '>', 0.9),
        threshold('device.disconnects', null, 'count == 0', { kind: 'count' }, '==', 0),
        threshold('telemetry.latency', 'nope', 'max < 1s', { kind: 'max' }, '<', 1_000_000),
      ],
      summary,
    );
    expect(results.map((r) => [r.observed, r.pass, r.note])).toEqual([
      [null, false, 'no data'],
      [null, false, 'no data'],
      [null, false, 'no data'],
      [0, true, null],
      [null, false, 'unknown phase nope'],
    ]);
  });

  it('falls back to precomputed percentiles for a summary read back from JSON', () => {
    const fromJson = JSON.parse(JSON.stringify(summary)) as typeof summary;
    const p99 = threshold('telemetry.latency', null, 'p(99) < 1s', { kind: 'p', percentile: 99 }, '<', 1_000_000);
    const p75 = threshold('telemetry.latency', null, 'p(75) < 1s', { kind: 'p', percentile: 75 }, '<', 1_000_000);
    const [a, b] = evaluateThresholds([p99, p75], fromJson);
    expect(a).toMatchObject({ observed: 990, pass: true });
    expect(b).toMatchObject({ observed: null, pass: false });
  });

  it('compare implements every operator', () => {
    expect([compare(1, '<', 2), compare(2, '<', 2), compare(2, '<=', 2), compare(3, '<=', 2)]).toEqual([true, false, true, false]);
    expect([compare(3, '>', 2), compare(2, '>', 2), compare(2, '>=', 2), compare(1, '>=', 2)]).toEqual([true, false, true, false]);
    expect([compare(2, '==', 2), compare(1, '==', 2), compare(1, '!=', 2), compare(2, '!=', 2)]).toEqual([true, false, true, false]);
  });
});
