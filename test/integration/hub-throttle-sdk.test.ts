/** The official Azure IoT device SDK for Node meets the gateway's twin throttling (reference §5.3: twin res 429). */
import { Client } from 'azure-iot-device';
import { Mqtt } from 'azure-iot-device-mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { type Broker, startBroker } from '../../src/hub/broker.js';
import { IotHubGateway } from '../../src/hub/iothub-gateway.js';
import { HUB_HOST, SERVICE_KEY, localhostCert } from '../support/iothub.js';

const KEY = Buffer.from('0123456789abcdef0123456789abcdef').toString('base64');
let broker: Broker;
let gateway: IotHubGateway;
let port: number;
let cert: Buffer;
beforeAll(async () => {
  const tls = localhostCert();
  cert = tls.cert;
  gateway = new IotHubGateway({
    hostName: HUB_HOST,
    serviceKey: SERVICE_KEY,
    clock: systemClock,
    timers: { setTimeout, clearTimeout },
    throttle: { tier: 'F1', queueSeconds: 0.1 },
  });
  gateway.registry.create({ deviceId: 'sdk-throttled', authentication: { type: 'sas', primaryKey: KEY, secondaryKey: KEY } });
  broker = await startBroker([{ scheme: 'mqtts', host: '127.0.0.1', port: 0, tls }], { hooks: gateway.hooks() });
  port = (broker.listening[0] as { port: number }).port;
});
afterAll(async () => {
  await broker.close();
});

describe('the Azure IoT device SDK and twin throttling', () => {
  it('twin GETs over F1’s 100/s: the SDK gets an error from the 429001 body for the ones the hub refuses', async () => {
    const client = Client.fromConnectionString(`HostName=${HUB_HOST};DeviceId=sdk-throttled;SharedAccessKey=${KEY};GatewayHostName=localhost:${port}`, Mqtt);
    await client.setOptions({ ca: cert.toString() } as never);
    // No retries: the SDK would otherwise retry the refused GETs with backoff.
    client.setRetryPolicy({ shouldRetry: () => false, nextRetryTimeout: () => 0 } as never);
    await client.open();
    try {
      const twin = await client.getTwin();
      const gets = Array.from(
        { length: 200 },
        () => new Promise<string>((resolve) => twin.get((err?: Error) => resolve(err === undefined || err === null ? 'ok' : err.message))),
      );
      const results = await Promise.all(gets);
      const refused = results.filter((r) => r !== 'ok');
      expect(refused.length).toBeGreaterThan(50); // 100 burst + 10 shaped (0.1 s queue), a few refilled meanwhile
      expect(refused[0]).toMatch(/twinReads over the tier's rate/);
      expect(gateway.throttle.counters()?.classes.twinReads.throttled).toBe(refused.length);
    } finally {
      await client.close();
    }
  });
});
