import { describe, expect, it } from 'vitest';
import { emptyCompromise, emptySecureOsReport } from '../../src/metrics/secure-os-report.js';
import { type VirtualSummaryInput, renderVirtualSummary } from '../../src/report/virtual-text.js';
import { createStyle } from '../../src/report/style.js';
import { virtualResult } from '../../src/report/virtual-json.js';

const base: VirtualSummaryInput = {
  scenario: 's',
  seed: '1',
  devices: 10,
  sink: null,
  workers: 2,
  samples: 1000,
  bytes: 0,
  modelSpanMs: 3_600_000,
  wallMs: 500,
  samplesPerS: 2000,
  heapPerDeviceBytes: 1024,
};

describe('the virtual-time summary', () => {
  it('has no Secure OS section without secure-OS fleets', () => {
    expect(renderVirtualSummary(base, createStyle(false))).not.toContain('secure OS');
  });

  it('shows the live Secure OS section and the time of boots and attestations, never a latency', () => {
    const report = emptySecureOsReport();
    report.attestations = { ok: 30, quarantined: 0, refused: 4, failed: 0, byReason: { DEBUG_MODE: 4 } };
    report.credentials.issued = 30;
    report.compromise.debug = { ...emptyCompromise(), injected: 2, refused: 2, byReason: { DEBUG_MODE: 2 }, firstIds: ['d-1', 'd-7'] };
    const text = renderVirtualSummary({ ...base, secureOs: { report, cpu: { boots: 12, bootMs: 6, attestations: 34, attestMs: 17 } } }, createStyle(false));
    expect(text).toContain('attestations  ok 30  ·  quarantined 0  ·  refused 4  ·  no answer 0  (DEBUG_MODE 4)');
    expect(text).toContain('credentials   issued 30  ·  expired while held 0');
    expect(text).toMatch(/debug\s+2\s+2\s+0\s+0\s+0\s+0\s+DEBUG_MODE 2\s+d-1, d-7/);
    // 6 ms ÷ 12 boots = 500 µs; 17 ms ÷ 34 attestations = 500 µs.
    expect(text).toContain('measured boot 500 µs × 12  ·  attestation 500 µs × 34');
    expect(text).toContain('CPU time on an idle machine; no network latency');
    expect(text).not.toMatch(/latency\s+p/);
  });

  it('the result file carries the Secure OS tally in the live result.json shape, and the CPU figures apart', () => {
    expect(virtualResult(base)).not.toHaveProperty('secureOs');
    const report = emptySecureOsReport();
    report.attestations.ok = 3;
    const cpu = { boots: 1, bootMs: 1, attestations: 3, attestMs: 2 };
    const r = virtualResult({ ...base, secureOs: { report, cpu } });
    expect(r).toMatchObject({ clock: 'virtual', samples: 1000, devices: 10, secureOs: report, secureOsCpu: cpu });
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });
});
