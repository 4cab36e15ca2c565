import { describe, expect, it } from 'vitest';
import { runPlan } from '../../src/engine/run.js';
import { compileScenarioText } from '../../src/scenario/index.js';
import { uploadSchedule } from '../../src/worker/phases/file-upload.js';

// An HTTPS fleet next to an MQTT IoT Hub fleet on the embedded hub, a file-upload phase across both (file upload is
// HTTPS whatever the telemetry protocol), and a 403006 provoked by uploads larger than the rate lets finish.
const SCENARIO = `
version: 1
name: https-run
seed: 8
fleets:
  - { id: web, model: thermostat, count: 12, telemetry: { every: 200ms }, transport: { dialect: iothub, iothub: { protocol: https, c2dPollInterval: 500ms } } }
  - { id: mq, model: thermostat, count: 8, telemetry: { every: 200ms }, transport: { dialect: iothub } }
phases:
  - { kind: connect, rate: 100/s, settle: 1s }
  - { kind: steady, duration: 1s }
  - { kind: file-upload, fraction: 0.5, rate: 40/s, size: 64KiB, duration: 1s }
  - { kind: drain, timeout: 3s }
thresholds:
  upload.failed: ["count == 0"]
`;

describe('IoT Hub over HTTPS and file upload in a run on the embedded hub (real sockets, worker threads)', () => {
  it('https devices send telemetry the observer receives; a seeded half of all devices upload a 64 KiB file', async () => {
    const plan = compileScenarioText(SCENARIO, 'https-run.yaml');
    const phase = plan.phases[2];
    if (phase?.kind !== 'file-upload') throw new Error('no file-upload phase');
    const selected = uploadSchedule(plan, phase).size; // seeded: the same devices in every run and shard layout
    const out = await runPlan(plan, { workers: 2 });
    const c = out.summary.total.counters;
    expect(c['connect.failed']).toBe(0);
    expect(c['connect.ok']).toBe(20);
    expect(c['telemetry.failed']).toBe(0);
    expect(c['telemetry.acked']).toBe(c['telemetry.sent']);
    expect(c['telemetry.acked']).toBeGreaterThan(20 * 5); // ~11 due per device; a loaded machine connects some late
    expect(out.summary.reconciliation.ok).toBe(true);
    expect(c['delivery.lost']).toBe(0); // HTTPS telemetry reaches the observer through the broker like MQTT telemetry
    expect(c['delivery.received']).toBeGreaterThanOrEqual(c['telemetry.acked']);
    expect(selected).toBeGreaterThan(5);
    expect(selected).toBeLessThan(16);
    expect(c['upload.failed']).toBe(0);
    expect(c['upload.ok'] + c['upload.skipped']).toBe(selected); // skipped: the device was not connected yet
    expect(c['upload.ok']).toBeGreaterThan(selected / 2);
    expect(c['upload.bytes']).toBe(c['upload.ok'] * 64 * 1024);
    expect(out.summary.total.trends['upload.latency']?.count).toBe(c['upload.ok']);
    expect(out.thresholds.every((t) => t.pass)).toBe(true);
  });
});
