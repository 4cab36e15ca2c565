import { describe, expect, it } from 'vitest';
import type { RunPlan, ThresholdPlan } from '../../src/scenario/plan.js';
import { createRunResult, type RunResult } from '../../src/metrics/result.js';
import { renderSummary, reconciliationLine } from '../../src/report/text.js';
import { createStyle } from '../../src/report/style.js';
import { renderJson } from '../../src/report/json.js';
import { fixtureAccumulator, type FixtureOptions } from './metrics-fixture.js';

const THRESHOLDS: ThresholdPlan[] = [
  {
    metric: 'telemetry.latency',
    phase: 'steady',
    key: 'telemetry.latency{phase:steady}',
    expressions: [
      { source: 'p(99) < 250ms', aggregation: { kind: 'p', percentile: 99 }, op: '<', value: 250_000 },
      { source: 'max < 500us', aggregation: { kind: 'max' }, op: '<', value: 500 },
    ],
    abortOnFail: true,
    delayAbortEvalMs: 0,
  },
  {
    metric: 'telemetry.e2e',
    phase: null,
    key: 'telemetry.e2e',
    expressions: [{ source: 'p(99) < 1s', aggregation: { kind: 'p', percentile: 99 }, op: '<', value: 1_000_000 }],
    abortOnFail: false,
    delayAbortEvalMs: 0,
  },
  {
    metric: 'connect.success',
    phase: null,
    key: 'connect.success',
    expressions: [{ source: 'rate > 0.85', aggregation: { kind: 'rate' }, op: '>', value: 0.85 }],
    abortOnFail: false,
    delayAbortEvalMs: 0,
  },
];

function result(options: FixtureOptions = {}): RunResult {
  const plan = {
    name: 'fixture',
    source: 'scenarios/fixture.yaml',
    seed: 'seed-1',
    target: { kind: 'embedded' },
    totalDevices: 20,
    thresholds: THRESHOLDS,
    report: { outDir: null, lateThresholdMs: 100, saturationMs: 50 },
  } as const satisfies Partial<RunPlan>;
  return createRunResult({
    plan,
    data: fixtureAccumulator(options).data(),
    startedAt: new Date(Date.UTC(2025, 0, 1)),
    endedAt: new Date(Date.UTC(2025, 0, 1, 0, 0, 30)),
    interrupted: false,
    abortReason: null,
    exitCode: 99,
    workers: 2,
  });
}

const plain = createStyle(false);

describe('renderSummary', () => {
  it('shows header, per-phase figures, trends, counters and errors', () => {
    const text = renderSummary(result(), plain);
    if (process.env.SHOW_REPORT !== undefined) console.log(text);
    expect(text).toContain('fleetsim  fixture  scenarios/fixture.yaml');
    expect(text).toMatch(/target embedded {2}· {2}seed seed-1 {2}· {2}devices 20 {2}· {2}workers 2 {2}· {2}duration 30\.00s/);
    expect(text).toMatch(/^steady +20\.00s +0\/0 +2,000 +1,980 +10 +100\/s +99\.0\/s$/m);
    expect(text).toMatch(/^TOTAL +30\.00s +18\/20 +2,000 +1,980 +10 +66\.7\/s +66\.0\/s$/m);
    expect(text).toMatch(/^steady +500µs +900µs +990µs +999µs +1\.00ms +—$/m);
    expect(text).toMatch(/^connect\.latency +18 +1\.00ms/m);
    expect(text).toMatch(/^telemetry\.e2e +no data$/m);
    expect(text).toContain('received 0  lost 10  duplicated 0  reordered 0');
    expect(text).toContain('connect 90.00%  telemetry 99.49%  delivery 99.49%');
    expect(text).toMatch(/errors 12\n {2}telemetry:TIMEOUT +10\n {2}connect:ECONNREFUSED +2/);
    expect(text).not.toContain('generator saturated');
  });

  it('shows the reconciliation equation', () => {
    expect(renderSummary(result(), plain)).toContain('sent 2,000 = acked 1,980 + failed 10 + in flight 10  ✓ reconciled');
    expect(renderSummary(result({ inflight: 2 }), plain)).toContain(
      'sent 2,000 = acked 1,980 + failed 10 + in flight 7  ✗ not reconciled: difference +3',
    );
    const r = { sent: 12_345, acked: 12_300, failed: 40, inflight: 5, difference: 0, ok: true };
    expect(reconciliationLine(r, plain)).toBe('sent 12,345 = acked 12,300 + failed 40 + in flight 5  ✓ reconciled');
  });

  it('lists thresholds with ✓/✗, the observed value in the metric unit, and the count passed', () => {
    const text = renderSummary(result(), plain);
    expect(text).toMatch(/✓ {2}telemetry\.latency\{phase:steady\} {2}p\(99\) < 250ms +observed 990µs +abortOnFail/);
    expect(text).toMatch(/✗ {2}telemetry\.latency\{phase:steady\} {2}max < 500us +observed 1\.00ms/);
    expect(text).toMatch(/✗ {2}telemetry\.e2e +p\(99\) < 1s +no data/);
    expect(text).toMatch(/✓ {2}connect\.success +rate > 0\.85 +observed 90\.00%/);
    expect(text).toContain('2 of 4 thresholds passed');
  });

  it('warns when the generator is saturated', () => {
    const text = renderSummary(result({ lagMicros: 80_000 }), plain);
    expect(text).toContain("⚠ generator saturated: figures include fleetsim's own lag");
    expect(text).toMatch(/- p99 schedule\.lag 80(\.\d+)?ms exceeds report\.saturationMs 50ms/);
  });

  it('has no ANSI escapes with colour off, has them with colour on, and stays within 120 columns', () => {
    const off = renderSummary(result({ lagMicros: 80_000 }), plain);
    expect(off).not.toMatch(/\x1b\[/);
    const on = renderSummary(result({ lagMicros: 80_000 }), createStyle(true));
    expect(on).toMatch(/\x1b\[3\dm/);
    expect(on.replace(/\x1b\[[0-9;]*m/g, '')).toBe(off);
    for (const line of off.split('\n')) expect([...line].length).toBeLessThanOrEqual(120);
  });
});

describe('renderJson', () => {
  it('is pretty JSON with a trailing newline that parses back to the result', () => {
    const r = result();
    const text = renderJson(r);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n  "fleetsimResult": 1,');
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(r)));
  });
});
