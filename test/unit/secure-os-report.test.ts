import { describe, expect, it } from 'vitest';
import { firmwareChunkTopic, firmwareResponseTopic, parseFirmwareRequest, parseFirmwareResponse } from '../../src/iothub/firmware-topics.js';
import { type SecureOsReport, emptyCompromise, emptyRollout, emptySecureOsReport, mergeSecureOsReports } from '../../src/metrics/secure-os-report.js';
import { secureOsLines } from '../../src/report/secure-os-text.js';
import { createStyle } from '../../src/report/style.js';

function shard(ids: string[], converge: number | null, committed: number): SecureOsReport {
  const r = emptySecureOsReport();
  r.attestations.ok = 10;
  r.attestations.refused = 2;
  r.attestations.byReason = { MEASUREMENT_UNKNOWN: 1, DEBUG_MODE: 1 };
  r.credentials.issued = 10;
  r.compromise.tampered = { ...emptyCompromise(), injected: ids.length, refused: ids.length, byReason: { MEASUREMENT_UNKNOWN: ids.length }, firstIds: ids };
  r.rollouts.push({ ...emptyRollout('rollout', 'app', '2.4.0'), targeted: committed + 1, started: committed + 1, committed, rolledBack: 1, convergeMs: converge, failedByReason: { POWER_LOSS: 1 } });
  return r;
}

describe('the Secure OS report section', () => {
  it('merges shard tallies: sums, convergence as the max, the first device ids in id order', () => {
    const m = mergeSecureOsReports([shard(['d-07', 'd-03'], 4000, 5), shard(['d-01', 'd-09', 'd-02', 'd-05'], 9000, 3), shard([], null, 0)]);
    expect(m.attestations).toEqual({ ok: 30, quarantined: 0, refused: 6, failed: 0, byReason: { MEASUREMENT_UNKNOWN: 3, DEBUG_MODE: 3 } });
    expect(m.compromise.tampered).toMatchObject({ injected: 6, refused: 6, admitted: 0, byReason: { MEASUREMENT_UNKNOWN: 6 }, firstIds: ['d-01', 'd-02', 'd-03', 'd-05', 'd-07'] });
    expect(m.rollouts).toEqual([{ ...emptyRollout('rollout', 'app', '2.4.0'), targeted: 11, started: 11, committed: 8, rolledBack: 3, convergeMs: 9000, failedByReason: { POWER_LOSS: 3 } }]);
  });

  it('renders attestations, compromise kinds vs outcome, rollouts with their reconciliation', () => {
    const text = secureOsLines(mergeSecureOsReports([shard(['d-1'], 4200, 5)]), createStyle(false)).join('\n');
    expect(text).toMatch(/attestations {2}ok 10 {2}· {2}quarantined 0 {2}· {2}refused 2 {2}· {2}no answer 0 {2}\(DEBUG_MODE 1, MEASUREMENT_UNKNOWN 1\)/);
    expect(text).toMatch(/tampered +1 +1 +0 +0 +0 +0 +MEASUREMENT_UNKNOWN 1 +d-1/);
    expect(text).toMatch(/✓ every compromised device attested was shut out \(1 injected\)/);
    expect(text).toMatch(/rollout +app 2\.4\.0 +6 +6 +0 +5 +1 +0 +4\.20s +POWER_LOSS 1/);
    expect(text).toMatch(/targeted 6 = started 6 \+ skipped 0; started = committed 5 \+ rolled back 1 \+ unfinished 0 {2}✓/);
    const bad = shard(['d-1'], null, 0);
    (bad.compromise.tampered as { admitted: number }).admitted = 1;
    expect(secureOsLines(bad, createStyle(false)).join('\n')).toMatch(/✗ 1 compromised device was admitted/);
    expect(secureOsLines(undefined, createStyle(false))).toEqual([]);
    const hub = { challenges: 12, attestations: 12, passed: 10, refused: { MEASUREMENT_UNKNOWN: 2 }, credentials: { sas: 10, x509: 0, quarantine: 0 }, refusedConnects: 2, quarantinedConnections: 0, quarantineRefusedPublishes: 0, quarantineRefusedSubscriptions: 0, firmwareRequests: 0 };
    expect(secureOsLines(shard([], null, 0), createStyle(false), hub).join('\n')).toMatch(/hub side +verified 12 \(passed 10, refused 2\) {2}· {2}credentials sas 10, x509 0, quarantine 0 {2}· {2}CONNECTs refused 2, quarantined 0/);
  });
});

describe('the firmware download topics', () => {
  it('round-trip a chunk request and its response', () => {
    const topic = firmwareChunkTopic('thermostat-app', '2.4.0', 7, 'a1', 16_384);
    expect(topic).toBe('$fleetsim/firmware/thermostat-app/2.4.0/get/7/?$rid=a1&$size=16384');
    expect(parseFirmwareRequest(topic)).toEqual({ name: 'thermostat-app', version: '2.4.0', chunk: 7, rid: 'a1', chunkBytes: 16_384 });
    expect(parseFirmwareRequest('$fleetsim/firmware/x/1.0.0/get/0/?$rid=1')).toMatchObject({ chunk: 0, chunkBytes: 16_384 }); // default size
    expect(parseFirmwareRequest('$fleetsim/firmware/x/1.0.0/get/0/?$size=10')).toBeUndefined(); // no $rid
    expect(parseFirmwareResponse(firmwareResponseTopic(200, 'a1', 65_536))).toEqual({ status: 200, rid: 'a1', totalBytes: 65_536 });
    expect(parseFirmwareResponse(firmwareResponseTopic(404, 'b', undefined))).toEqual({ status: 404, rid: 'b', totalBytes: undefined });
    expect(parseFirmwareResponse('$iothub/twin/res/200/?$rid=1')).toBeUndefined();
  });
});
