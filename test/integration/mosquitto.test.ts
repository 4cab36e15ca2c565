import { describe, expect, it } from 'vitest';
import { FleetsimError } from '../../src/core/errors.js';
import { runPlan } from '../../src/engine/run.js';
import { compileScenarioText } from '../../src/scenario/index.js';
import { subscribe } from '../../src/transports/mqtt/subscriber.js';
import { MOSQUITTO_URL, closedPort, mosquittoAvailable, uniquePrefix } from '../support/brokers.js';

const available = await mosquittoAvailable();

function scenario(prefix: string, count: number, qos: 0 | 1): string {
  return `
version: 1
name: mosquitto-it
seed: 3
fleets:
  - id: meters
    model: thermostat
    count: ${count}
    telemetry: { every: 250ms }
    transport: { qos: ${qos}, topic: "${prefix}/{fleet}/{deviceId}" }
phases:
  - kind: connect
    rate: 200/s
    settle: 300ms
  - kind: steady
    duration: 2s
  - kind: drain
    timeout: 3s
`;
}

describe.skipIf(!available)(`against the machine's Mosquitto (${MOSQUITTO_URL})`, () => {
  it('QoS 1: an independent subscriber counts exactly the acked messages', async () => {
    const prefix = uniquePrefix('qos1');
    let counted = 0;
    const independent = await subscribe(MOSQUITTO_URL, [`${prefix}/#`], 1, () => counted++, { clientId: `indep-${process.pid}` });
    try {
      const plan = compileScenarioText(scenario(prefix, 60, 1), 'mosquitto-it.yaml', { target: MOSQUITTO_URL });
      const out = await runPlan(plan, { workers: 2 });
      const c = out.summary.total.counters;
      await new Promise((r) => setTimeout(r, 300)); // let the last deliveries reach the independent subscriber
      expect(out.embedded).toBe(false);
      expect(c['connect.ok']).toBe(60);
      expect(c['telemetry.acked']).toBeGreaterThan(300);
      expect(c['telemetry.failed']).toBe(0);
      expect(out.summary.reconciliation.ok).toBe(true);
      expect(counted).toBe(c['telemetry.acked']);
      expect(c['delivery.received']).toBe(c['telemetry.acked']);
      expect(c['delivery.lost']).toBe(0);
    } finally {
      await independent.close();
    }
  });

  it('QoS 0: acked means written; the observer still accounts for every message', async () => {
    const prefix = uniquePrefix('qos0');
    const plan = compileScenarioText(scenario(prefix, 30, 0), 'mosquitto-it.yaml', { target: MOSQUITTO_URL });
    const out = await runPlan(plan, { workers: 1 });
    const c = out.summary.total.counters;
    expect(c['telemetry.sent']).toBe(c['telemetry.acked']);
    expect(c['delivery.received'] + c['delivery.lost']).toBe(c['telemetry.acked']);
  });
});

describe('an unreachable target', () => {
  it('fails the run with FLEETSIM_E_TARGET naming the URL and the error code', async () => {
    const url = `mqtt://127.0.0.1:${await closedPort()}`;
    const plan = compileScenarioText(scenario('x', 2, 1), 'unreachable.yaml', { target: url });
    const err = await runPlan(plan, { workers: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FleetsimError);
    expect((err as FleetsimError).code).toBe('FLEETSIM_E_TARGET');
    expect((err as FleetsimError).message).toContain(url);
    expect((err as FleetsimError).message).toContain('ECONNREFUSED');
  });
});
