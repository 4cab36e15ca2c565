import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { getModel } from '../../src/devices/registry.js';
import { runPlan } from '../../src/engine/run.js';
import { compileScenarioText } from '../../src/scenario/index.js';
import { createMqttTransport } from '../../src/transports/mqtt/client.js';
import { ShardRunner } from '../../src/worker/shard.js';
import { useEmbeddedHub } from '../support/brokers.js';

const hub = useEmbeddedHub();

describe('deep sleep (real sockets, embedded hub)', () => {
  it('connects every Nth wake, sends what it sampled meanwhile, disconnects cleanly; every count reconciles', async () => {
    const plan = compileScenarioText(
      `
version: 1
name: sleepers
seed: 8
fleets:
  - id: s
    model: env-sensor
    count: 30
    telemetry: { every: 100ms, buffer: 12 }   # room for slow connections on a loaded machine
    mcu: { sleep: deep, connectEvery: 3, bootTime: 50ms }
phases:
  - { kind: connect, rate: 300/s, settle: 100ms }
  - { kind: steady, duration: 2s }
  - { kind: drain, timeout: 2s }
`,
      'sleepers.yaml',
      { target: hub.url },
    );
    const out = await runPlan(plan, { workers: 1 });
    const c = out.summary.total.counters;
    // ~20 wakes per device: ~7 connections each on top of the first; every reading goes through the buffer.
    expect(c['connect.attempts']).toBeGreaterThan(30 * 5);
    expect(c['connect.failed']).toBe(0);
    expect(c['connect.attempts'] - c['connect.ok']).toBeLessThanOrEqual(30); // a wake's connect may be in flight at the end
    expect(c['telemetry.buffered']).toBeGreaterThan(30 * 15);
    // Sent from the buffer, or straight away by a wake that found the previous connection still waiting for acks.
    expect(c['telemetry.flushed']).toBeLessThanOrEqual(c['telemetry.sent']);
    expect(c['telemetry.flushed']).toBeGreaterThan(c['telemetry.sent'] * 0.8);
    expect(out.summary.total.trends['telemetry.buffer_age']?.count).toBe(c['telemetry.flushed']);
    expect(c['telemetry.buffered'] - c['telemetry.flushed']).toBeLessThanOrEqual(30 * 12); // what is left in RAM at the end
    expect(c['telemetry.dropped']).toBe(0);
    expect(c['device.reconnects'] + c['device.disconnects']).toBe(0); // sleeping is neither
    expect(out.summary.reconciliation.ok).toBe(true);
    expect(c['delivery.lost']).toBe(0);
    expect(c['delivery.received']).toBe(c['telemetry.acked']);
    // Radio off most of the time: fewer devices connected on average than exist.
    expect(out.summary.total.gauges['devices.connected']?.avg ?? 30).toBeLessThan(30);
  });
});

describe('the reboot command on a live shard', () => {
  it('cuts the connection, boots for bootTime, reconnects; a reboot during the drain is refused', async () => {
    const plan = compileScenarioText(
      `
version: 1
fleets:
  - { id: r, model: thermostat, count: 2, telemetry: { every: 50ms, buffer: 20 }, mcu: { bootTime: 300ms } }
phases:
  - { kind: connect, rate: 100/s, settle: 0s }
  - { kind: steady, duration: 1500ms }
  - { kind: drain, timeout: 1s }
`,
      'reboot.yaml',
      { target: hub.url },
    );
    const f = plan.fleets[0]!;
    const fleets = [{ plan: f, model: getModel(f.model)!, transport: createMqttTransport(hub.url, f.transport) }];
    const counters = new Map<string, number>();
    const runner = new ShardRunner(plan, { index: 0, count: 1, first: 0, end: 2 }, {
      clock: systemClock,
      fleets,
      post: (msg) => {
        if (msg.type !== 'interval') return;
        for (const [k, v] of Object.entries(msg.snapshot.counters)) counters.set(k, (counters.get(k) ?? 0) + v);
      },
    });
    const t0 = systemClock.now();
    runner.start(t0);
    const d = runner.device('r-000001')!;
    await until(() => d.status === 'online');
    const answer = runner.command(d, { name: 'reboot', payload: {} });
    expect(answer).toEqual({ status: 200, payload: { rebooting: true, bootTimeMs: 300 } });
    await until(() => d.status === 'booting');
    const bootedAt = systemClock.now();
    await until(() => d.status === 'online');
    expect(systemClock.now() - bootedAt).toBeGreaterThanOrEqual(250); // it stayed down for its boot time
    await until(() => systemClock.now() - t0 > 1800); // into the drain (the timeline starts the drain at ~1.5 s)
    expect(runner.command(d, { name: 'reboot', payload: {} }).status).toBe(503);
    const result = await runner.done;
    expect(counters.get('device.reboots')).toBe(1);
    expect(counters.get('telemetry.skipped')).toBeGreaterThanOrEqual(4); // ~6 readings fall due in 300 ms of boot
    expect(counters.get('telemetry.skipped')).toBeLessThanOrEqual(8);
    expect(result.ledger.find((l) => l.deviceId === 'r-000001')?.lastSeq).toBeGreaterThan(10);
  });
});

/** Poll until `condition` holds (10 s at most): no fixed sleeps, so a loaded machine only makes it slower. */
async function until(condition: () => boolean): Promise<void> {
  for (const started = performance.now(); !condition(); ) {
    if (performance.now() - started > 10_000) throw new Error('condition not reached in 10 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
