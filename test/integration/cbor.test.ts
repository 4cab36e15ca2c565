import { describe, expect, it } from 'vitest';
import { decodeTelemetry } from '../../src/devices/payload.js';
import { getModel } from '../../src/devices/registry.js';
import { runPlan } from '../../src/engine/run.js';
import { compileScenarioText } from '../../src/scenario/index.js';
import { subscribe } from '../../src/transports/mqtt/subscriber.js';
import { runVirtualShard } from '../../src/worker/virtual.js';
import { useEmbeddedHub } from '../support/brokers.js';

const SCENARIO = `
version: 1
name: cbor
fleets:
  - { id: c, model: thermostat, count: 10, telemetry: { every: 200ms, format: cbor, buffer: 20 } }
phases:
  - { kind: connect, rate: 100/s, settle: 200ms }
  - { kind: steady, duration: 1s }
  - { kind: drain, timeout: 2s }
`;

const hub = useEmbeddedHub();

describe('CBOR telemetry', () => {
  it('devices publish CBOR maps; the observer decodes them; readings equal the virtual-time readings', async () => {
    const plan = compileScenarioText(SCENARIO, 'cbor.yaml', { target: hub.url });
    const payloads: Buffer[] = [];
    const sub = await subscribe(hub.url, ['fleetsim/#'], 1, (_t, p) => payloads.push(p));
    let acked = 0;
    try {
      const out = await runPlan(plan, { workers: 1 });
      acked = out.summary.total.counters['telemetry.acked'];
      expect(out.summary.total.counters['delivery.received']).toBe(acked);
      expect(out.summary.total.counters['delivery.lost']).toBe(0);
    } finally {
      await sub.close();
    }
    expect(payloads.length).toBe(acked);
    expect(payloads.every((p) => p[0] !== 0x7b)).toBe(true); // not JSON text
    const virtual = new Map<string, unknown>();
    const f = plan.fleets[0]!;
    runVirtualShard(plan, { index: 0, count: 1, first: 0, end: 10 }, [{ plan: f, model: getModel(f.model)! }], (s) =>
      virtual.set(`${s.deviceId}#${s.seq}`, s.readings),
    );
    for (const p of payloads) {
      const { deviceId, seq, ts: _ts, ...readings } = decodeTelemetry(p) as Record<string, unknown>;
      const v = virtual.get(`${String(deviceId)}#${String(seq)}`);
      if (v !== undefined) expect(readings).toEqual(v);
    }
  });
});
