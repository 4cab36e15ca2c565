import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedHub, startEmbeddedHub } from '../../src/hub/embedded.js';
import { createSasToken, deviceResource, hubUsername } from '../../src/iothub/index.js';
import { mqtt } from '../../src/transports/mqtt/lib.js';

let hub: EmbeddedHub;
beforeAll(async () => {
  hub = await startEmbeddedHub();
});
afterAll(async () => {
  await hub.stop();
});

const serviceAuth = (): string =>
  createSasToken({ resourceUri: hub.iothub.hostName, keyBase64: hub.iothub.serviceKey, expiry: Math.floor(Date.now() / 1000) + 600, policyName: 'iothubowner' });

function api(path: string, init: RequestInit = {}): Promise<Response> {
  const sep = path.includes('?') ? '&' : '?';
  return fetch(`${hub.serviceUrl}${path}${sep}api-version=2021-04-12`, {
    ...init,
    headers: { authorization: serviceAuth(), 'content-type': 'application/json', ...init.headers },
  });
}

describe('the embedded hub (its own thread): IoT Hub service API and devices on one hub', () => {
  it('a device registered through the service API connects with SAS and answers a method called through the API', async () => {
    const key = Buffer.from('embedded hub test key, 32 bytes!').toString('base64');
    const put = await api('/devices/api-dev-1', {
      method: 'PUT',
      body: JSON.stringify({ deviceId: 'api-dev-1', authentication: { type: 'sas', symmetricKey: { primaryKey: key, secondaryKey: key } } }),
    });
    expect(put.status).toBe(200);
    const password = createSasToken({ resourceUri: deviceResource(hub.iothub.hostName, 'api-dev-1'), keyBase64: key, expiry: Math.floor(Date.now() / 1000) + 600 });
    const device = mqtt.connect(hub.url, { clientId: 'api-dev-1', username: hubUsername(hub.iothub.hostName, 'api-dev-1'), password, reconnectPeriod: 0, protocolVersion: 4 });
    await new Promise<void>((resolve, reject) => {
      device.once('connect', () => resolve());
      device.once('error', reject);
    });
    try {
      await new Promise<void>((resolve) => device.subscribe('$iothub/methods/POST/#', { qos: 0 }, () => resolve()));
      device.on('message', (topic) => {
        const rid = /\$rid=([^&]+)/.exec(topic)?.[1] as string;
        device.publish(`$iothub/methods/res/201/?$rid=${rid}`, '{"pong":true}', { qos: 0 });
      });
      const call = await api('/twins/api-dev-1/methods', { method: 'POST', body: JSON.stringify({ methodName: 'ping', payload: {}, responseTimeoutInSeconds: 10 }) });
      expect(call.status).toBe(200);
      expect(await call.json()).toEqual({ status: 201, payload: { pong: true } });
      const twin = await (await api('/twins/api-dev-1')).json();
      expect(twin).toMatchObject({ deviceId: 'api-dev-1', connectionState: 'Connected' });
    } finally {
      device.end(true);
    }
  });

  it('refuses the service API without a valid service token', async () => {
    const res = await fetch(`${hub.serviceUrl}/devices/api-dev-1?api-version=2021-04-12`);
    expect(res.status).toBe(401);
  });
});
