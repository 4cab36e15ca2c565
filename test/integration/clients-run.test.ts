/**
 * The same scenario and seed on both MQTT clients (transport.client lean and mqttjs), end to end through the engine:
 * against the machine's Mosquitto (plain topics, an independent subscriber counting) and against the embedded hub (the
 * IoT Hub dialect: SAS, telemetry, direct methods, desired properties). Intended sends are seed-determined, so the
 * two clients must account for exactly the same readings.
 */
import { describe, expect, it } from 'vitest';
import { runPlan } from '../../src/engine/run.js';
import { compileScenarioText } from '../../src/scenario/index.js';
import { subscribe } from '../../src/transports/mqtt/subscriber.js';
import { MOSQUITTO_URL, mosquittoAvailable, uniquePrefix } from '../support/brokers.js';

const available = await mosquittoAvailable();
const CLIENTS = ['lean', 'mqttjs'] as const;

/** Every intended send is sent, skipped (offline) or buffered: the total is fixed by the seed. */
const intended = (c: Record<string, number>): number => (c['telemetry.sent'] ?? 0) + (c['telemetry.skipped'] ?? 0) - (c['telemetry.flushed'] ?? 0) + (c['telemetry.buffered'] ?? 0);

describe.skipIf(!available)(`both clients against the machine's Mosquitto (${MOSQUITTO_URL})`, () => {
  it('same devices, same readings, every acked message seen by an independent subscriber, on lean and mqttjs', async () => {
    const totals: number[] = [];
    for (const client of CLIENTS) {
      const prefix = uniquePrefix(`clients-${client}`);
      let counted = 0;
      const independent = await subscribe(MOSQUITTO_URL, [`${prefix}/#`], 1, () => counted++, { clientId: `indep-${client}-${process.pid}` });
      try {
        const text = `
version: 1
name: clients-${client}
seed: 11
fleets:
  - { id: m, model: thermostat, count: 50, telemetry: { every: 300ms }, transport: { client: ${client}, qos: 1, topic: "${prefix}/{deviceId}" } }
phases:
  - { kind: connect, rate: 250/s, settle: 300ms }
  - { kind: steady, duration: 1500ms }
  - { kind: disconnect-storm, fraction: 0.2, spread: 100ms, duration: 800ms }
  - { kind: drain, timeout: 3s }
`;
        const out = await runPlan(compileScenarioText(text, `clients-${client}.yaml`, { target: MOSQUITTO_URL }), { workers: 2 });
        const c = out.summary.total.counters;
        expect(c['connect.ok'], client).toBeGreaterThanOrEqual(50);
        expect(out.summary.reconciliation.ok, client).toBe(true);
        expect(c['delivery.lost'] ?? 0, client).toBe(0);
        await new Promise((r) => setTimeout(r, 300));
        expect(counted, client).toBeGreaterThanOrEqual(c['telemetry.acked'] as number);
        totals.push(intended(c));
      } finally {
        await independent.close();
      }
    }
    expect(totals[0]).toBeGreaterThan(0);
    expect(totals[0]).toBe(totals[1]);
  });
});

describe('both clients on the embedded hub, IoT Hub dialect', () => {
  it('telemetry, direct methods and desired properties give the same counts on lean and mqttjs', async () => {
    const rows: Array<Record<string, number | undefined>> = [];
    for (const client of CLIENTS) {
      const text = `
version: 1
name: hub-${client}
seed: 5
fleets:
  - { id: hub, model: thermostat, count: 30, telemetry: { every: 500ms }, transport: { dialect: iothub, client: ${client} } }
phases:
  - { kind: connect, rate: 200/s, settle: 200ms }
  - { kind: invoke-method, method: getDiagnostics, fraction: 0.5, rate: 50/s, duration: 1s }
  - { kind: twin-update, desired: { telemetryInterval: 2 }, fraction: 0.3, rate: 100/s, duration: 1s }
  - { kind: drain, timeout: 2s }
`;
      const out = await runPlan(compileScenarioText(text, `hub-${client}.yaml`), { workers: 1 });
      const c = out.summary.total.counters;
      expect(out.summary.reconciliation.ok, client).toBe(true);
      expect(c['delivery.lost'] ?? 0, client).toBe(0);
      expect(c['method.failed'] ?? 0, client).toBe(0);
      expect(c['twin.failed'] ?? 0, client).toBe(0);
      rows.push({ connected: c['connect.ok'], methods: c['downlink.methods'], calls: c['method.calls'], twins: c['twin.updates'], intended: intended(c) });
    }
    expect(rows[0]?.methods).toBeGreaterThan(5);
    expect(rows[0]?.twins).toBeGreaterThan(3);
    expect(rows[0]).toEqual(rows[1]);
  });
});
