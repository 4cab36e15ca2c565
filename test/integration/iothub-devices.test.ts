/**
 * fleetsim's own devices speaking the IoT Hub dialect to the IoT Hub gateway: SAS from the fleet's group key,
 * telemetry on the IoT Hub topic, and the downlink (methods, desired properties, C2D) driving the device's commands.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { getModel } from '../../src/devices/registry.js';
import { fleetDeviceKey } from '../../src/iothub/index.js';
import { compileScenarioText } from '../../src/scenario/index.js';
import { createTransport } from '../../src/transports/create.js';
import { ShardRunner } from '../../src/worker/shard.js';
import { HUB_HOST, useIotHub } from '../support/iothub.js';

const hub = useIotHub();
const dir = mkdtempSync(join(tmpdir(), 'fleetsim-iothub-devices-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fleetsim devices with dialect: iothub', () => {
  it('connect with SAS, publish telemetry, and obey methods, desired properties and C2D commands', async () => {
    writeFileSync(join(dir, 'ca.pem'), hub.cert);
    const plan = compileScenarioText(
      `
version: 1
seed: 11
fleets:
  - id: hubdev
    model: thermostat
    count: 3
    telemetry: { every: 200ms }
    mcu: { bootTime: 100ms }
    transport:
      dialect: iothub
      iothub: { hostName: ${HUB_HOST}, modelId: "dtmi:com:example:Thermostat;1" }
      tls: { ca: ca.pem, servername: localhost }
phases:
  - { kind: connect, rate: 50/s, settle: 0s }
  - { kind: steady, duration: 3s }
  - { kind: drain, timeout: 1s }
`,
      join(dir, 'hub.yaml'),
      { target: `mqtts://127.0.0.1:${hub.port}` },
    );
    const f = plan.fleets[0]!;
    const groupKey = f.transport.iothub!.groupKey;
    for (let i = 0; i < 3; i++) {
      const deviceId = `hubdev-00000${i}`;
      const key = fleetDeviceKey(groupKey, deviceId);
      hub.gateway.registry.create({ deviceId, authentication: { type: 'sas', primaryKey: key, secondaryKey: key } });
    }
    const counters = new Map<string, number>();
    const runner = new ShardRunner(plan, { index: 0, count: 1, first: 0, end: 3 }, {
      clock: systemClock,
      fleets: [{ plan: f, model: getModel(f.model)!, transport: createTransport({ url: `mqtts://127.0.0.1:${hub.port}`, httpUrl: undefined }, f.transport, systemClock) }],
      post: (msg) => {
        if (msg.type !== 'interval') return;
        for (const [k, v] of Object.entries(msg.snapshot.counters)) counters.set(k, (counters.get(k) ?? 0) + v);
      },
    });
    const telemetryBefore = hub.gateway.stats.telemetry;
    runner.start(systemClock.now());
    const d = runner.device('hubdev-000001')!;
    await until(() => d.status === 'online');

    // A direct method runs the device's command and returns its answer; an unknown one is the device's 404.
    const diag = await hub.gateway.invokeMethod('hubdev-000001', 'getDiagnostics', null, { connectTimeoutS: 5 });
    expect(diag).toMatchObject({ status: 200, payload: { deviceId: 'hubdev-000001', model: 'thermostat', status: 'online' } });
    expect((await hub.gateway.invokeMethod('hubdev-000001', 'selfDestruct', {})).status).toBe(404);

    // A desired property changes the telemetry interval and is acknowledged in reported properties (PnP convention).
    hub.gateway.updateDesired('hubdev-000001', { telemetryInterval: 2 });
    await until(() => d.everyMs === 2000);
    await until(() => (hub.gateway.twins.fullTwin('hubdev-000001').properties.reported as Record<string, unknown>).telemetryInterval !== undefined);
    expect((hub.gateway.twins.fullTwin('hubdev-000001').properties.reported as Record<string, unknown>).telemetryInterval).toEqual({ value: 2, ac: 200, av: 2, ad: 'applied' });

    // A C2D message naming a command runs it.
    hub.gateway.sendC2d('hubdev-000001', { body: JSON.stringify({ command: 'setTelemetryInterval', payload: { seconds: 3 } }) });
    await until(() => d.everyMs === 3000);

    // The reboot method: the device goes down for its boot time and comes back.
    expect((await hub.gateway.invokeMethod('hubdev-000001', 'reboot', {})).status).toBe(200);
    await until(() => d.status === 'booting');
    await until(() => d.status === 'online');

    await runner.done;
    expect(hub.gateway.stats.telemetry - telemetryBefore).toBeGreaterThan(10);
    expect(counters.get('downlink.methods')).toBeGreaterThanOrEqual(3);
    expect(counters.get('downlink.desired')).toBeGreaterThanOrEqual(1);
    expect(counters.get('downlink.c2d')).toBeGreaterThanOrEqual(1);
    expect(counters.get('device.reboots')).toBe(1);
    expect(counters.get('telemetry.failed') ?? 0).toBe(0);
  });
});

async function until(condition: () => boolean): Promise<void> {
  for (const started = performance.now(); !condition(); ) {
    if (performance.now() - started > 10_000) throw new Error('condition not reached in 10 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
