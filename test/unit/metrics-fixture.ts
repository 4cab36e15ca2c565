/** A small, fully known run for the summary, threshold, result and report tests. */
import { ManualClock } from '../../src/core/clock.js';
import { RunAccumulator } from '../../src/metrics/accumulator.js';
import { MetricsRecorder } from '../../src/metrics/recorder.js';

export const FIXTURE_PHASES = [
  { name: 'connect', kind: 'connect', startMs: 0, durationMs: 10_000 },
  { name: 'steady', kind: 'steady', startMs: 10_000, durationMs: 20_000 },
];

export interface FixtureOptions {
  /** Which sources to include (a run split across machines takes a subset each). */
  readonly sources?: readonly string[];
  /** Final in-flight messages reported by w1 (breaks reconciliation when it disagrees with the counters). */
  readonly inflight?: number;
  /** Value recorded for schedule.lag in µs. */
  readonly lagMicros?: number;
}

/**
 * Two sources (w0, w1), each:
 *  connect: 10 attempts, 9 ok, 1 failed (ECONNREFUSED); connect.latency 1000 µs × 9; connected 9.
 *  steady:  1000 sent, 990 acked, 5 failed (TIMEOUT) and 5 in flight; telemetry.latency 1…1000 µs once each;
 *           schedule.lag lagMicros × 100; eventloop.delay 2000 µs × 10.
 * Phase timing: connect 10 s, steady 20 s. Run total: delivery.lost 10 (w0 only).
 */
export function fixtureAccumulator(options: FixtureOptions = {}): RunAccumulator {
  const sources = options.sources ?? ['w0', 'w1'];
  const clock = new ManualClock(0);
  const acc = new RunAccumulator(FIXTURE_PHASES, { clock });
  acc.markPhase('connect', 0, 10_000);
  acc.markPhase('steady', 10_000, 30_000);
  const recorders = new Map(sources.map((source) => [source, new MetricsRecorder()] as const));
  for (const [source, r] of recorders) {
    r.count('connect.attempts', 10);
    r.count('connect.ok', 9);
    r.count('connect.failed', 1);
    r.error('connect', 'ECONNREFUSED');
    for (let i = 0; i < 9; i++) r.observe('connect.latency', 1000);
    r.gauge('devices.connected', 9);
    acc.add(source, 'connect', r.snapshot());
  }
  for (const [source, r] of recorders) {
    r.count('telemetry.sent', 1000);
    r.count('telemetry.acked', 990);
    r.count('telemetry.failed', 5);
    for (let i = 0; i < 5; i++) r.error('telemetry', 'TIMEOUT');
    for (let v = 1; v <= 1000; v++) r.observe('telemetry.latency', v);
    for (let i = 0; i < 100; i++) r.observe('schedule.lag', options.lagMicros ?? 500);
    for (let i = 0; i < 10; i++) r.observe('eventloop.delay', 2000);
    r.gauge('telemetry.inflight', source === 'w1' && options.inflight !== undefined ? options.inflight : 5);
    acc.add(source, 'steady', r.snapshot());
    if (source === 'w0') acc.addRunTotal({ 'delivery.lost': 10 });
  }
  return acc;
}
