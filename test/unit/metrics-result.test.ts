import { describe, expect, it } from 'vitest';
import type { RunPlan, ThresholdPlan } from '../../src/scenario/plan.js';
import { createRunResult, mergeResults, parseRunResult, rebuildSummary, targetText } from '../../src/metrics/result.js';
import type { RunResult } from '../../src/metrics/result.js';
import type { RunSummary } from '../../src/metrics/summary.js';
import { fixtureAccumulator, type FixtureOptions } from './metrics-fixture.js';

const THRESHOLDS: ThresholdPlan[] = [
  {
    metric: 'telemetry.latency',
    phase: 'steady',
    key: 'telemetry.latency{phase:steady}',
    expressions: [
      { source: 'p(97) < 1ms', aggregation: { kind: 'p', percentile: 97 }, op: '<', value: 1000 },
      { source: 'max < 500us', aggregation: { kind: 'max' }, op: '<', value: 500 },
    ],
    abortOnFail: false,
    delayAbortEvalMs: 0,
  },
  {
    metric: 'telemetry.sent',
    phase: null,
    key: 'telemetry.sent',
    expressions: [{ source: 'count >= 3000', aggregation: { kind: 'count' }, op: '>=', value: 3000 }],
    abortOnFail: false,
    delayAbortEvalMs: 0,
  },
];

const PLAN = {
  name: 'fixture',
  source: 'scenarios/fixture.yaml',
  seed: 'seed-1',
  target: { kind: 'url', url: 'mqtt://user:secret@127.0.0.1:1883' },
  thresholds: THRESHOLDS,
  report: { outDir: null, lateThresholdMs: 100, saturationMs: 50 },
} as const satisfies Partial<RunPlan>;

function resultOf(options: FixtureOptions & { devices: number; workers: number; start: number }): RunResult {
  return createRunResult({
    plan: { ...PLAN, totalDevices: options.devices },
    data: fixtureAccumulator(options).data(),
    startedAt: new Date(options.start),
    endedAt: new Date(options.start + 30_000),
    interrupted: false,
    abortReason: null,
    exitCode: 0,
    workers: options.workers,
  });
}

/** The figures that must match exactly whatever the split (gauge min/avg are sampled, so they may not). */
function figures(s: RunSummary): unknown {
  return [s.total, ...s.phases].map((p) => ({
    name: p.name,
    durationMs: p.durationMs,
    counters: p.counters,
    trends: p.trends,
    rates: p.rates,
    errors: p.errors,
    throughput: p.throughput,
    lastConnected: p.gauges['devices.connected']?.last,
    lastInflight: p.gauges['telemetry.inflight']?.last,
  }));
}

describe('RunResult', () => {
  it('creates a versioned, JSON-safe result with the password removed from the target', () => {
    const r = resultOf({ devices: 20, workers: 2, start: Date.UTC(2025, 0, 1) });
    expect(r.fleetsimResult).toBe(1);
    expect(r.target).toBe('mqtt://user:***@127.0.0.1:1883');
    expect(targetText({ kind: 'embedded' })).toBe('embedded');
    expect(r.startedAt).toBe('2025-01-01T00:00:00.000Z');
    expect(Object.keys(r.histograms.steady!).sort()).toEqual(['eventloop.delay', 'schedule.lag', 'telemetry.latency']);
    expect(r.thresholds.map((t) => [t.expression, t.pass])).toEqual([
      ['p(97) < 1ms', true],
      ['max < 500us', false],
      ['count >= 3000', false],
    ]);
    const back = parseRunResult(JSON.stringify(r));
    expect(back).toEqual(JSON.parse(JSON.stringify(r)));
    expect(() => parseRunResult('{"x":1}', 'x.json')).toThrow(/x\.json is not a fleetsim result/);
    expect(() => parseRunResult('nope')).toThrow(/not JSON/);
  });

  it('rebuildSummary from the stored data equals the original summary, and supports any percentile', () => {
    const r = resultOf({ devices: 20, workers: 2, start: 0 });
    const fromFile = parseRunResult(JSON.stringify(r));
    const rebuilt = rebuildSummary(fromFile);
    expect(JSON.parse(JSON.stringify(rebuilt))).toEqual(JSON.parse(JSON.stringify(r.summary)));
  });

  it('mergeResults of two parts equals one run of the union', () => {
    const a = resultOf({ sources: ['w0'], devices: 10, workers: 1, start: 1000 });
    const b = resultOf({ sources: ['w1'], devices: 10, workers: 1, start: 500 });
    const whole = resultOf({ devices: 20, workers: 2, start: 500 });
    const merged = mergeResults([parseRunResult(JSON.stringify(a)), parseRunResult(JSON.stringify(b))]);

    expect(figures(merged.summary)).toEqual(figures(whole.summary));
    expect(merged.summary.reconciliation).toEqual(whole.summary.reconciliation);
    expect(merged.summary.total.counters['telemetry.sent']).toBe(2000);
    expect(merged.thresholds).toEqual(whole.thresholds);
    expect(merged.thresholds.find((t) => t.expression === 'p(97) < 1ms')?.observed).toBe(970);
    expect([merged.devices, merged.workers]).toEqual([20, 2]);
    expect(merged.startedAt).toBe(new Date(500).toISOString());
    expect(merged.endedAt).toBe(new Date(31_000).toISOString());
    expect(merged.seed).toBe('seed-1');
    // The merged histograms are stored too, so merging again or rebuilding works.
    expect(JSON.parse(JSON.stringify(rebuildSummary(merged)))).toEqual(JSON.parse(JSON.stringify(merged.summary)));
  });

  it('refuses to merge results with different phases', () => {
    const a = resultOf({ devices: 10, workers: 1, start: 0 });
    const b = { ...a, data: { ...a.data, phases: a.data.phases.slice(0, 1) } };
    expect(() => mergeResults([a, b])).toThrow(/different phases/);
    expect(() => mergeResults([])).toThrow(/no results/);
  });
});
