import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { RunAccumulator } from '../../src/metrics/accumulator.js';
import { MetricsRecorder } from '../../src/metrics/recorder.js';
import { histogramStats } from '../../src/metrics/hdr.js';

const PHASES = [
  { name: 'connect', kind: 'connect', startMs: 0, durationMs: 10_000 },
  { name: 'steady', kind: 'steady', startMs: 10_000, durationMs: 20_000 },
];

describe('RunAccumulator', () => {
  it('adds snapshots of 2 sources into 2 phases', () => {
    const clock = new ManualClock(1_000_000);
    const acc = new RunAccumulator(PHASES, { clock });
    const a = new MetricsRecorder();
    const b = new MetricsRecorder();

    a.count('connect.attempts', 3);
    a.count('connect.ok', 3);
    a.observe('connect.latency', 2000);
    a.gauge('devices.connected', 3);
    b.count('connect.attempts', 2);
    b.count('connect.ok', 1);
    b.error('connect', 'ECONNREFUSED');
    b.observe('connect.latency', 4000);
    b.gauge('devices.connected', 1);
    clock.advance(1000);
    acc.add('w0', 'connect', a.snapshot());
    acc.add('w1', 'connect', b.snapshot());

    a.count('telemetry.sent', 10);
    a.count('telemetry.acked', 9);
    a.observe('telemetry.latency', 1000);
    a.gauge('devices.connected', 2); // one dropped
    b.count('telemetry.sent', 5);
    b.count('telemetry.acked', 5);
    b.observe('telemetry.latency', 3000);
    clock.advance(1000);
    acc.add('w0', 'steady', a.snapshot());
    acc.add('w1', 'steady', b.snapshot());

    const [connect, steady] = acc.data().phases;
    expect(connect!.counters).toEqual({ 'connect.attempts': 5, 'connect.ok': 4 });
    expect(connect!.errors).toEqual({ 'connect:ECONNREFUSED': 1 });
    expect(histogramStats(connect!.histograms.get('connect.latency')!).count).toBe(2);
    // Gauge sum across sources, sampled after each snapshot: 3 (w0 only), then 3 + 1.
    expect(connect!.gauges['devices.connected']).toMatchObject({ last: 4, min: 3, max: 4, avg: 3.5, samples: 2 });
    expect(steady!.counters).toEqual({ 'telemetry.sent': 15, 'telemetry.acked': 14 });
    const latency = histogramStats(steady!.histograms.get('telemetry.latency')!);
    expect(latency.count).toBe(2);
    expect(latency.min).toBe(1000);
    expect(latency.max).toBe(3001); // highest value equivalent to 3000 at 3 significant digits
    expect(steady!.gauges['devices.connected']).toMatchObject({ last: 3, min: 3, max: 3 });
    expect(acc.gaugeSum('devices.connected')).toBe(3);
    expect(acc.data().finalGauges).toEqual({ 'devices.connected': 3 });
  });

  it('records run totals and phase timing, and rejects unknown phases', () => {
    const acc = new RunAccumulator(PHASES, { clock: new ManualClock(0) });
    acc.addRunTotal({ 'delivery.lost': 2 });
    acc.addRunTotal({ 'delivery.lost': 1 });
    acc.markPhase('steady', 100, 20_250);
    expect(acc.data().runCounters).toEqual({ 'delivery.lost': 3 });
    expect(acc.data().phases[1]).toMatchObject({ startWallMs: 100, endWallMs: 20_250 });
    expect(() => acc.add('w0', 'nope', { counters: {}, histograms: {}, errors: {}, gauges: {} })).toThrow(/unknown phase "nope"/);
  });

  it('live view: per-source rates over the last 5 s, p99 latency, errors, elapsed', () => {
    const clock = new ManualClock(50_000);
    const acc = new RunAccumulator(PHASES, { clock });
    const a = new MetricsRecorder();
    const b = new MetricsRecorder();
    acc.markPhase('steady', 50_000);
    // 10 seconds of 1 s snapshots: w0 sends 100/s, w1 sends 50/s; acks lag slightly.
    for (let s = 0; s < 10; s++) {
      clock.advance(1000);
      a.count('telemetry.sent', 100);
      a.count('telemetry.acked', 90);
      for (let i = 0; i < 100; i++) a.observe('telemetry.latency', s < 5 ? 100_000 : 1000 + i);
      a.gauge('devices.connected', 10);
      a.gauge('telemetry.inflight', 10);
      b.count('telemetry.sent', 50);
      b.count('telemetry.acked', 50);
      b.gauge('devices.connected', 5);
      if (s === 9) b.error('telemetry', 'TIMEOUT');
      acc.add('w0', 'steady', a.snapshot());
      acc.add('w1', 'steady', b.snapshot());
    }
    const view = acc.live();
    expect(view.phase).toBe('steady');
    expect(view.connected).toBe(15);
    expect(view.inflight).toBe(10);
    expect(view.sentPerS).toBeCloseTo(150, 6);
    expect(view.ackedPerS).toBeCloseTo(140, 6);
    // The early 100 ms latencies are older than the window: p99 comes from the recent 1000…1099 µs values.
    expect(view.p99LatencyMicros).toBe(1098);
    expect(view.errorsTotal).toBe(1);
    expect(view.elapsedMs).toBe(10_000);

    // Nothing received for 10 s: the window is empty.
    clock.advance(10_000);
    const idle = acc.live();
    expect(idle.sentPerS).toBe(0);
    expect(idle.p99LatencyMicros).toBeNull();
  });
});
