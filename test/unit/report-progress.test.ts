import { describe, expect, it } from 'vitest';
import { renderProgressLine } from '../../src/report/progress.js';
import { createStyle } from '../../src/report/style.js';
import { formatClock, formatObserved, formatPercent } from '../../src/report/format.js';

const view = {
  phase: 'steady',
  connected: 998,
  inflight: 3,
  sentPerS: 498.4,
  ackedPerS: 497.2,
  p99LatencyMicros: 3100,
  errorsTotal: 0,
  elapsedMs: 14_900,
};

describe('renderProgressLine', () => {
  it('renders one line with phase, elapsed, connected, rates, p99 and errors', () => {
    const line = renderProgressLine(view, { phaseCount: 6, phaseIndex: 1, totalDevices: 1000 }, createStyle(false));
    expect(line).toBe('[steady 2/6] 00:14  connected 998/1,000  sent 498/s  acked 497/s  in flight 3  p99 3.10ms  errors 0');
  });

  it('handles no phase yet and no latency, and colours errors only with colour on', () => {
    const early = { ...view, phase: null, p99LatencyMicros: null, errorsTotal: 2 };
    const ctx = { phaseCount: 6, phaseIndex: -1, totalDevices: 1000 };
    const off = renderProgressLine(early, ctx, createStyle(false));
    expect(off).toContain('[starting 0/6]');
    expect(off).toContain('p99 —');
    expect(off).not.toMatch(/\x1b\[/);
    expect(renderProgressLine(early, ctx, createStyle(true))).toContain('\x1b[31merrors 2\x1b[39m');
  });
});

describe('format', () => {
  it('formats clocks, percentages and observed values by metric unit', () => {
    expect([formatClock(0), formatClock(59_999), formatClock(3_725_000)]).toEqual(['00:00', '00:59', '1:02:05']);
    expect([formatPercent(1), formatPercent(0.99996), formatPercent(0.5)]).toEqual(['100%', '99.99%', '50.00%']);
    expect(formatObserved('telemetry.latency', { kind: 'p', percentile: 99 }, 250_000)).toBe('250.0ms');
    expect(formatObserved('telemetry.latency', { kind: 'count' }, 12_345)).toBe('12,345');
    expect(formatObserved('telemetry.sent', { kind: 'rate' }, 1234.4)).toBe('1234/s');
    expect(formatObserved('telemetry.sent', { kind: 'count' }, 1234)).toBe('1,234');
    expect(formatObserved('devices.connected', { kind: 'avg' }, 12.25)).toBe('12.3');
  });
});
