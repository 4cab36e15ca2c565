import { describe, expect, it } from 'vitest';
import { MetricsRecorder } from '../../src/metrics/recorder.js';
import { decodeHistogram, histogramStats } from '../../src/metrics/hdr.js';

describe('MetricsRecorder', () => {
  it('snapshots the interval and resets counters, histograms and errors; gauges persist', () => {
    const r = new MetricsRecorder();
    r.count('telemetry.sent');
    r.count('telemetry.sent', 4);
    r.count('telemetry.acked', 3);
    r.observe('telemetry.latency', 1500);
    r.observe('telemetry.latency', 2500);
    r.error('telemetry', 'CONNECTION_LOST');
    r.error('telemetry', 'CONNECTION_LOST');
    r.error('connect', 'ECONNREFUSED');
    r.gauge('devices.connected', 7);

    const first = r.snapshot();
    expect(first.counters).toEqual({ 'telemetry.sent': 5, 'telemetry.acked': 3 });
    expect(first.errors).toEqual({ 'telemetry:CONNECTION_LOST': 2, 'connect:ECONNREFUSED': 1 });
    expect(first.gauges).toEqual({ 'devices.connected': 7 });
    expect(Object.keys(first.histograms)).toEqual(['telemetry.latency']);
    const stats = histogramStats(decodeHistogram(first.histograms['telemetry.latency']!));
    expect(stats.count).toBe(2);
    expect(stats.min).toBe(1500);
    expect(stats.max).toBeGreaterThanOrEqual(2500);

    const second = r.snapshot();
    expect(second).toEqual({ counters: {}, histograms: {}, errors: {}, gauges: { 'devices.connected': 7 } });

    r.observe('telemetry.latency', 900);
    r.gauge('devices.connected', 6);
    const third = r.snapshot();
    const again = histogramStats(decodeHistogram(third.histograms['telemetry.latency']!));
    expect(again.count).toBe(1);
    expect(again.max).toBe(900);
    expect(third.gauges).toEqual({ 'devices.connected': 6 });
  });

  it('snapshots are plain data (structured-clone safe)', () => {
    const r = new MetricsRecorder();
    r.count('connect.attempts');
    r.observe('connect.latency', 12_000);
    const snap = r.snapshot();
    expect(structuredClone(snap)).toEqual(snap);
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
  });
});
