import { describe, expect, it } from 'vitest';
import { summarize, summaryHistograms } from '../../src/metrics/summary.js';
import { fixtureAccumulator } from './metrics-fixture.js';

describe('summarize', () => {
  it('computes counters, rates, throughput and trends per phase and in total', () => {
    const s = summarize(fixtureAccumulator().data(), { saturationMs: 50 });
    expect(s.phases.map((p) => p.name)).toEqual(['connect', 'steady']);
    const [connect, steady] = s.phases;
    expect(connect!.counters['connect.attempts']).toBe(20);
    expect(connect!.counters['telemetry.sent']).toBe(0);
    expect(connect!.rates['connect.success']).toBeCloseTo(0.9, 12);
    expect(connect!.rates['telemetry.success']).toBeNull(); // 0 ÷ 0
    expect(connect!.durationMs).toBe(10_000);
    expect(connect!.errors).toEqual({ 'connect:ECONNREFUSED': 2 });
    expect(connect!.gauges['devices.connected']).toMatchObject({ last: 18, max: 18, min: 9 });

    expect(steady!.durationMs).toBe(20_000);
    expect(steady!.throughput.sentPerS).toBe(100);
    expect(steady!.throughput.ackedPerS).toBe(99);
    expect(steady!.rates['telemetry.success']).toBeCloseTo(1980 / 1990, 12);
    expect(steady!.rates['delivery.success']).toBeNull(); // delivery.lost is only known for the run
    expect(steady!.trends['telemetry.latency']).toMatchObject({ count: 2000, min: 1, max: 1000, p50: 500, p99: 990 });
    expect(steady!.trends['connect.latency']).toBeUndefined();

    const t = s.total;
    expect(t.name).toBe('total');
    expect(t.durationMs).toBe(30_000);
    expect(t.counters['telemetry.sent']).toBe(2000);
    expect(t.counters['delivery.lost']).toBe(10);
    expect(t.rates['delivery.success']).toBeCloseTo(1 - 10 / 1980, 12);
    expect(t.rates['connect.success']).toBeCloseTo(0.9, 12);
    expect(t.throughput.sentPerS).toBeCloseTo(2000 / 30, 12);
    expect(t.trends['connect.latency']?.count).toBe(18);
    expect(t.trends['telemetry.latency']?.count).toBe(2000);
    expect(t.errors).toEqual({ 'connect:ECONNREFUSED': 2, 'telemetry:TIMEOUT': 10 });
    expect(t.gauges['telemetry.inflight']?.last).toBe(10);
    expect(summaryHistograms(s)?.get('total')?.get('telemetry.latency')?.totalCount).toBe(2000);
  });

  it('is JSON-serializable without the histograms', () => {
    const s = summarize(fixtureAccumulator().data(), { saturationMs: 50 });
    const json = JSON.stringify(s);
    expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(structuredClone(s))));
    expect(json.length).toBeLessThan(10_000);
  });

  it('reconciles sent = acked + failed + in flight', () => {
    const s = summarize(fixtureAccumulator().data(), { saturationMs: 50 });
    expect(s.reconciliation).toEqual({ sent: 2000, acked: 1980, failed: 10, inflight: 10, difference: 0, ok: true });
    const off = summarize(fixtureAccumulator({ inflight: 2 }).data(), { saturationMs: 50 });
    expect(off.reconciliation).toEqual({ sent: 2000, acked: 1980, failed: 10, inflight: 7, difference: 3, ok: false });
  });

  it('flags the generator as saturated when p99 schedule lag or event-loop delay exceeds saturationMs', () => {
    const ok = summarize(fixtureAccumulator({ lagMicros: 500 }).data(), { saturationMs: 50 });
    expect(ok.saturation).toEqual({ saturated: false, reasons: [] });
    const lagging = summarize(fixtureAccumulator({ lagMicros: 80_000 }).data(), { saturationMs: 50 });
    expect(lagging.saturation.saturated).toBe(true);
    expect(lagging.saturation.reasons).toHaveLength(1);
    expect(lagging.saturation.reasons[0]).toMatch(/schedule\.lag 80\.\d+ms exceeds report\.saturationMs 50ms/);
    // eventloop.delay is 2 ms: over a 1 ms limit too.
    const tight = summarize(fixtureAccumulator({ lagMicros: 500 }).data(), { saturationMs: 1 });
    expect(tight.saturation.reasons).toEqual([expect.stringMatching(/^p99 eventloop\.delay 2ms exceeds report\.saturationMs 1ms$/)]);
  });
});
