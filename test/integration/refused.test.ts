import { afterEach, describe, expect, it } from 'vitest';
import { verdict } from '../../src/cli/run-command.js';
import { runPlan } from '../../src/engine/run.js';
import { type Authenticate, type Broker, startBroker } from '../../src/hub/broker.js';
import { compileScenarioText } from '../../src/scenario/index.js';

const SCENARIO = `
version: 1
name: refused
fleets:
  - id: d
    model: thermostat
    count: 20
    idPattern: "d-{index}"
    telemetry: { every: 200ms }
    reconnect: { base: 20ms, cap: 50ms, maxAttempts: 2 }
phases:
  - { kind: connect, rate: 200/s, settle: 300ms }
  - { kind: steady, duration: 1s }
  - { kind: drain, timeout: 2s }
`;

let broker: Broker | undefined;
afterEach(async () => {
  await broker?.close();
  broker = undefined;
});

async function runAgainst(authenticate: Authenticate) {
  broker = await startBroker([{ scheme: 'mqtt', host: '127.0.0.1', port: 0 }], { authenticate });
  const url = broker.listening[0]?.url as string;
  return runPlan(compileScenarioText(SCENARIO, 'refused.yaml', { target: url }), { workers: 1 });
}

const observerOnly = (id: string): boolean => id.startsWith('fleetsim-observer');

describe('a broker that refuses connections: counted by code, never a crash', () => {
  it('odd devices refused (CONNACK 5): they back off, give up after maxAttempts, the rest run normally', async () => {
    const out = await runAgainst((id) => (observerOnly(id) || Number(id.slice(2)) % 2 === 0 ? 0 : 5));
    const c = out.summary.total.counters;
    const e = out.summary.total.errors;
    expect(c['connect.ok']).toBe(10);
    expect(c['connect.failed']).toBe(10 * 3); // first attempt + 2 retries each
    expect(c['connect.attempts']).toBe(c['connect.ok'] + c['connect.failed']);
    expect(e['connect:CONNACK_5']).toBe(c['connect.failed']);
    expect(e['connect:GAVE_UP']).toBe(10);
    expect(out.summary.reconciliation.ok).toBe(true);
    expect(c['delivery.received']).toBe(c['telemetry.acked']);
    expect(verdict(out)).toBe(0);
  });

  it('every device refused: the run still ends with a report, and the verdict is exit 1', async () => {
    const out = await runAgainst((id) => (observerOnly(id) ? 0 : 4));
    expect(out.summary.total.counters['connect.ok']).toBe(0);
    expect(out.summary.total.errors['connect:CONNACK_4']).toBe(60);
    expect(verdict(out)).toBe(1);
  });
});
