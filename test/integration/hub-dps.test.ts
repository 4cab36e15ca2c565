/**
 * The official Azure IoT provisioning SDK (Node, MQTT, symmetric keys) against fleetsim's embedded DPS, then the
 * device SDK against the hub it was assigned to — both endpoints on one broker (reference §3, §9).
 */
import { Client, Message } from 'azure-iot-device';
import { Mqtt as HubMqtt } from 'azure-iot-device-mqtt';
import { MqttBase } from 'azure-iot-mqtt-base';
import { ProvisioningDeviceClient, type RegistrationResult } from 'azure-iot-provisioning-device';
import { Mqtt as DpsMqtt } from 'azure-iot-provisioning-device-mqtt';
import { SymmetricKeySecurityClient } from 'azure-iot-security-symmetric-key';
import { afterAll, describe, expect, it } from 'vitest';
import { createSasToken, deriveDeviceKey, dpsPollTopic, dpsRegisterTopic, dpsResource, dpsUsername, hubUsername, parseHubTopic } from '../../src/iothub/index.js';
import type { MqttClient } from '../../src/transports/mqtt/lib.js';
import { connectRaw } from '../support/raw-mqtt.js';
import { HUB_HOST } from '../support/iothub.js';
import { ID_SCOPE, type TestDps, useDps } from '../support/dps.js';

const env = useDps({ retryAfterS: 0 });
/** A second DPS that keeps a device assigning for two polls, asking for a 1 s wait each time. */
const slow = useDps({ pollsBeforeAssigned: 2, retryAfterS: 1 });
const GROUP_KEY = Buffer.from('fleetsim group enrollment key, 32').toString('base64');
const OTHER_KEY = Buffer.from('ffffffffffffffffffffffffffffffff').toString('base64');
const clients: Client[] = [];
afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
});

/** Provision over MQTT as the SDK sample does; the SDK has no `ca` option for DPS, its MqttBase has. */
async function provision(registrationId: string, key: string, payload?: unknown, on: TestDps = env): Promise<RegistrationResult> {
  // The hoisted azure-iot-mqtt-base (1.13.3, azure-iot-device-mqtt's) is a different copy from the one the DPS
  // transport bundles (1.13.1): same API at run time, distinct private members for TypeScript.
  const base = new MqttBase();
  base.setOptions({ ca: on.cert.toString() });
  const transport = new DpsMqtt(base as unknown as ConstructorParameters<typeof DpsMqtt>[0]);
  const security = new SymmetricKeySecurityClient(registrationId, key) as unknown as Parameters<typeof ProvisioningDeviceClient.create>[3];
  // The SDK dials mqtts://{provisioningHost}: a host:port reaches the emulator (TLS name: localhost).
  const client = ProvisioningDeviceClient.create(`localhost:${on.port}`, ID_SCOPE, transport, security);
  if (payload !== undefined) client.setProvisioningPayload(payload as never);
  return (await client.register()) as RegistrationResult;
}

async function hubClient(result: RegistrationResult, key: string): Promise<Client> {
  const cs = `HostName=${result.assignedHub};DeviceId=${result.deviceId};SharedAccessKey=${key};GatewayHostName=localhost:${env.port}`;
  const client = Client.fromConnectionString(cs, HubMqtt);
  clients.push(client);
  await client.setOptions({ ca: env.cert.toString() } as never);
  await client.open();
  return client;
}

describe('the Azure IoT provisioning SDK (Node, MQTT) against the embedded DPS', () => {
  it('a group enrollment provisions a device with its derived key; the device then sends telemetry to the assigned hub', async () => {
    env.dps.enrollments.addGroup({ name: 'sensors', primaryKey: GROUP_KEY, initialDesired: { interval: 30 } });
    const key = deriveDeviceKey(GROUP_KEY, 'dps-group-0001');
    const result = await provision('dps-group-0001', key, { fw: '1.0.0' });
    expect(result).toMatchObject({ registrationId: 'dps-group-0001', assignedHub: HUB_HOST, deviceId: 'dps-group-0001', status: 'assigned', substatus: 'initialAssignment', payload: { fw: '1.0.0' } });
    expect(env.dps.registrations.get('dps-group-0001')?.status).toBe('assigned');
    expect(env.hub.twins.fullTwin('dps-group-0001').properties.desired).toMatchObject({ interval: 30 });

    const client = await hubClient(result, key);
    await client.sendEvent(new Message(JSON.stringify({ temperature: 21 })));
    expect(env.hub.stats.telemetry).toBe(1);
    expect(env.hub.registry.get('dps-group-0001').connectionState).toBe('Connected');
  });

  it('an individual enrollment provisions its fixed device id, with the enrollment key', async () => {
    const key = Buffer.from('individual enrollment key 0123456').toString('base64');
    env.dps.enrollments.addIndividual({ registrationId: 'dps-individual', primaryKey: key, deviceId: 'pump-7' });
    const result = await provision('dps-individual', key);
    expect(result).toMatchObject({ registrationId: 'dps-individual', deviceId: 'pump-7', assignedHub: HUB_HOST, status: 'assigned' });
    const client = await hubClient(result, key);
    await client.sendEvent(new Message('{"on":true}'));
    expect(env.hub.registry.get('pump-7').connectionState).toBe('Connected');
  });

  it('refuses a disabled enrollment, a wrong key and an unknown registration (CONNACK 5)', async () => {
    const key = Buffer.from('disabled enrollment key 012345678').toString('base64');
    env.dps.enrollments.addIndividual({ registrationId: 'dps-disabled', primaryKey: key, status: 'disabled' });
    await expect(provision('dps-disabled', key)).rejects.toThrow(/Not authorized|Unauthorized/i);
    await expect(provision('dps-wrong-key', OTHER_KEY)).rejects.toThrow(/Not authorized|Unauthorized/i);
    env.dps.enrollments.addGroup({ name: 'retired', primaryKey: OTHER_KEY, status: 'disabled' });
    await expect(provision('dps-retired-0001', deriveDeviceKey(OTHER_KEY, 'dps-retired-0001'))).rejects.toThrow(/Not authorized|Unauthorized/i);
    expect(env.dps.stats.refusedConnects).toMatchObject({ disabled: 2, 'bad-signature': 1 });
    expect(env.hub.registry.has('dps-disabled')).toBe(false);
  });
});

describe('DPS polling', () => {
  it('the SDK follows 202 assigning with retry-after until the 200 assigned', async () => {
    slow.dps.enrollments.addGroup({ name: 'slow', primaryKey: GROUP_KEY });
    const started = performance.now();
    const result = await provision('dps-slow-0001', deriveDeviceKey(GROUP_KEY, 'dps-slow-0001'), undefined, slow);
    const elapsed = performance.now() - started;
    expect(result).toMatchObject({ deviceId: 'dps-slow-0001', status: 'assigned' });
    // register → 202, poll → 202, poll → 202, poll → 200: three waits of retry-after=1 s (the SDK default would be 2 s).
    expect(slow.dps.stats.responses).toEqual({ '202': 3, '200': 1 });
    expect(elapsed).toBeGreaterThan(2900);
    expect(elapsed).toBeLessThan(5900);
  });
});

describe('DPS on the wire (raw MQTT client)', () => {
  const KEY = Buffer.from('raw wire individual enrollment k1').toString('base64');

  function connect(registrationId: string, o: { key?: string; username?: string } = {}): Promise<MqttClient> {
    const password = createSasToken({ resourceUri: dpsResource(ID_SCOPE, registrationId), keyBase64: o.key ?? KEY, expiry: Math.floor(Date.now() / 1000) + 3600, policyName: 'registration' });
    const username = o.username ?? dpsUsername(ID_SCOPE, registrationId, { clientVersion: 'fleetsim-test/1.0' });
    return connectRaw(env.port, env.cert, { clientId: registrationId, username, password, clean: true });
  }

  /** Publish a request and wait for the response to its rid. */
  function request(client: MqttClient, topic: string, rid: string, body: string): Promise<{ status: number; retryAfterS: number | undefined; body: Record<string, unknown> }> {
    return new Promise((resolve) => {
      const onMessage = (t: string, payload: Buffer): void => {
        const parsed = parseHubTopic(t);
        if (parsed?.kind !== 'dps-response' || parsed.rid !== rid) return;
        client.off('message', onMessage);
        resolve({ status: parsed.status, retryAfterS: parsed.retryAfterS, body: JSON.parse(payload.toString()) as Record<string, unknown> });
      };
      client.on('message', onMessage);
      client.publish(topic, body, { qos: 1 });
    });
  }

  it('register → 202 {operationId, status: assigning} + retry-after, poll → 200 with the registration state', async () => {
    env.dps.enrollments.addIndividual({ registrationId: 'raw-wire', primaryKey: KEY, initialDesired: { mode: 'eco' } });
    const client = await connect('raw-wire');
    try {
      await client.subscribeAsync('$dps/registrations/res/#', { qos: 1 });
      const accepted = await request(client, dpsRegisterTopic('1'), '1', JSON.stringify({ registrationId: 'raw-wire', payload: { site: 'b7' } }));
      expect(accepted).toMatchObject({ status: 202, retryAfterS: 0, body: { status: 'assigning' } });
      const operationId = accepted.body.operationId as string;
      expect(operationId).toMatch(/^4\.[0-9a-f]{16}\.[0-9a-f-]{36}$/);
      const done = await request(client, dpsPollTopic('2', operationId), '2', ' ');
      expect(done.status).toBe(200);
      expect(done.body).toMatchObject({
        operationId,
        status: 'assigned',
        registrationState: { registrationId: 'raw-wire', assignedHub: HUB_HOST, deviceId: 'raw-wire', status: 'assigned', substatus: 'initialAssignment', payload: { site: 'b7' } },
      });
      const state = done.body.registrationState as Record<string, string>;
      expect(Object.keys(state)).toEqual(['registrationId', 'createdDateTimeUtc', 'assignedHub', 'deviceId', 'status', 'substatus', 'lastUpdatedDateTimeUtc', 'etag', 'payload']);
      expect(env.hub.registry.get('raw-wire').authentication).toMatchObject({ type: 'sas', symmetricKey: { primaryKey: KEY, secondaryKey: KEY } });
      expect(env.hub.twins.fullTwin('raw-wire').properties.desired).toMatchObject({ mode: 'eco' });
    } finally {
      await client.endAsync();
    }
  });

  it('errors are a status in the topic and {errorCode, trackingId, message, timestampUtc} in the body', async () => {
    const client = await connect('raw-wire');
    try {
      await client.subscribeAsync('$dps/registrations/res/#', { qos: 1 });
      const notJson = await request(client, dpsRegisterTopic('a'), 'a', 'not json');
      expect(notJson.status).toBe(400);
      expect(Object.keys(notJson.body)).toEqual(['errorCode', 'trackingId', 'message', 'timestampUtc']);
      expect(notJson.body.errorCode).toBe(400004);
      const otherId = await request(client, dpsRegisterTopic('b'), 'b', JSON.stringify({ registrationId: 'someone-else' }));
      expect(otherId).toMatchObject({ status: 400, body: { errorCode: 400004 } });
      const unknownOp = await request(client, dpsPollTopic('c', '4.0000000000000000.nope'), 'c', ' ');
      expect(unknownOp).toMatchObject({ status: 404, body: { errorCode: 404201 } });
    } finally {
      await client.endAsync();
    }
  });

  it('a DPS client subscribes only to its responses and publishes only DPS requests; a hub username is not a DPS one', async () => {
    const client = await connect('raw-wire');
    const refused = await client.subscribeAsync('$iothub/twin/res/#', { qos: 0 }).then(
      (g) => g[0]?.qos,
      () => 128,
    );
    expect(refused).toBe(128);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.publish('devices/raw-wire/messages/events/', 'x', { qos: 1 });
    await closed;
    client.end(true);
    expect(env.dps.stats.refusedPublishes).toMatchObject({ 'foreign-topic': 1 });
    // The same credentials under a hub username go to the hub gateway, which does not know the device.
    await expect(connect('dps-stranger', { username: hubUsername(HUB_HOST, 'dps-stranger') })).rejects.toMatchObject({ connack: 5 });
    expect(env.hub.stats.refusedConnects).toMatchObject({ 'unknown-device': 1 });
  });
});
