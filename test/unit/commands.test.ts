import { describe, expect, it } from 'vitest';
import { getModel } from '../../src/devices/registry.js';
import { compileScenarioText } from '../../src/scenario/index.js';
import { handleCommand } from '../../src/worker/commands.js';
import { buildDevices } from '../../src/worker/fleet.js';
import { NO_TRANSPORT } from '../../src/worker/virtual.js';

function device() {
  const plan = compileScenarioText(
    `version: 1
fleets:
  - { id: a, model: thermostat, count: 1, telemetry: { every: 10s } }
phases:
  - { kind: connect, rate: 10/s }
`,
    'c.yaml',
  );
  const f = plan.fleets[0]!;
  return buildDevices(plan, { index: 0, count: 1, first: 0, end: 1 }, [{ plan: f, model: getModel(f.model)!, transport: NO_TRANSPORT }])[0]!;
}

describe('device commands (transport-independent)', () => {
  it('setTelemetryInterval changes the interval of the following readings', () => {
    const d = device();
    expect(d.nextIntervalMs(1)).toBe(10_000);
    expect(handleCommand(d, { name: 'setTelemetryInterval', payload: { interval: '30s' } })).toEqual({
      status: 200,
      payload: { telemetryIntervalMs: 30_000 },
    });
    expect(d.nextIntervalMs(1)).toBe(30_000);
    expect(handleCommand(d, { name: 'setTelemetryInterval', payload: { seconds: 2 } }).status).toBe(200);
    expect(d.nextIntervalMs(2)).toBe(1000); // a spike still divides it
  });

  it('a bad interval is a 400 with a message, and changes nothing', () => {
    const d = device();
    for (const payload of [{ interval: 'soon' }, { seconds: -1 }, null, 'fast']) {
      const r = handleCommand(d, { name: 'setTelemetryInterval', payload });
      expect(r.status).toBe(400);
      expect(r.payload).toHaveProperty('error');
    }
    expect(d.everyMs).toBe(10_000);
  });

  it('getDiagnostics reports the runtime view', () => {
    const d = device();
    d.read(Date.UTC(2026, 0, 1, 0, 1));
    const r = handleCommand(d, { name: 'getDiagnostics', payload: null });
    expect(r.status).toBe(200);
    expect(r.payload).toMatchObject({ deviceId: 'a-000000', model: 'thermostat', status: 'idle', seq: 1, telemetryIntervalMs: 10_000 });
  });

  it('model commands go to the model; unknown commands are 404', () => {
    const d = device();
    expect(handleCommand(d, { name: 'setSetpoint', payload: { setpointC: 19 } }).status).toBe(200);
    expect(d.read(Date.UTC(2026, 0, 1, 0, 1)).setpoint).toBe(19);
    expect(handleCommand(d, { name: 'selfDestruct', payload: {} }).status).toBe(404);
  });
});
