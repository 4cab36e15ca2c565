/**
 * X.509 device authentication with the official Azure SDKs (azure-iot-device-mqtt, azure-iot-provisioning-device-mqtt
 * with azure-iot-security-x509) over TLS against the embedded hub's gateways (reference §1.4, §3): self-signed devices
 * by thumbprint, CA-signed devices by chain and CN, and the refusals (CONNACK 5) for everything else.
 */
import { Client, Message, X509AuthenticationProvider } from 'azure-iot-device';
import { Mqtt as HubMqtt } from 'azure-iot-device-mqtt';
import { MqttBase } from 'azure-iot-mqtt-base';
import { ProvisioningDeviceClient, type RegistrationResult } from 'azure-iot-provisioning-device';
import { Mqtt as DpsMqtt } from 'azure-iot-provisioning-device-mqtt';
import { X509Security } from 'azure-iot-security-x509';
import { afterAll, describe, expect, it } from 'vitest';
import { type CertKeyPair, createRootCa, createSelfSignedClientCert, issueClientCert, issueIntermediateCa, thumbprints } from '../../src/core/x509.js';
import { HUB_HOST } from '../support/iothub.js';
import { connectRaw } from '../support/raw-mqtt.js';
import { ID_SCOPE } from '../support/dps.js';
import { useX509Hub } from '../support/x509-hub.js';

const env = useX509Hub();
const clients: Client[] = [];
afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
});

/** The SDK's X.509 client; GatewayHostName is not read from an x509=true connection string, so it is set here. */
async function x509Client(deviceId: string, pair: CertKeyPair): Promise<Client> {
  const provider = new X509AuthenticationProvider({ host: HUB_HOST, deviceId, gatewayHostName: `localhost:${env.port}`, x509: { cert: pair.cert, key: pair.key } } as never);
  const client = Client.fromAuthenticationProvider(provider, HubMqtt);
  clients.push(client);
  await client.setOptions({ ca: env.pki.ca.cert } as never);
  await client.open();
  return client;
}

async function refused(deviceId: string, pair: CertKeyPair): Promise<string> {
  const err = await x509Client(deviceId, pair).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(err, `${deviceId} must be refused`).toBeDefined();
  return `${err?.name}: ${err?.message}`;
}

describe('X.509 devices with the Azure IoT device SDK over TLS', () => {
  it('a self-signed device connects when its SHA-1 or SHA-256 thumbprint is registered, and sends telemetry', async () => {
    const a = await createSelfSignedClientCert({ commonName: 'x509-self-a' });
    const b = await createSelfSignedClientCert({ commonName: 'x509-self-b' });
    env.hub.registry.create({ deviceId: 'x509-self-a', authentication: { type: 'selfSigned', primaryThumbprint: thumbprints(a.cert).sha1 } });
    // secondary thumbprint, SHA-256, lowercase as a user might paste it
    const other = thumbprints((await createSelfSignedClientCert({ commonName: 'x' })).cert).sha1;
    env.hub.registry.create({ deviceId: 'x509-self-b', authentication: { type: 'selfSigned', primaryThumbprint: other, secondaryThumbprint: thumbprints(b.cert).sha256.toLowerCase() } });
    const before = env.hub.stats.telemetry;
    const ca = await x509Client('x509-self-a', a);
    await ca.sendEvent(new Message(JSON.stringify({ t: 1 })));
    const cb = await x509Client('x509-self-b', b);
    await cb.sendEvent(new Message(JSON.stringify({ t: 2 })));
    expect(env.hub.stats.telemetry - before).toBe(2);
    expect(env.hub.registry.get('x509-self-a')).toMatchObject({ connectionState: 'Connected', authentication: { type: 'selfSigned' } });
  });

  it('a CA-signed device connects when its leaf (CN = device id) chains to a verified CA of the hub', async () => {
    const fleetCa = await createRootCa({ commonName: 'fleet CA for sdk test' });
    env.hub.certificates.put('sdk-fleet', fleetCa.cert, true);
    env.hub.registry.create({ deviceId: 'x509-ca-1', authentication: { type: 'certificateAuthority' } });
    const leaf = await issueClientCert(fleetCa, { commonName: 'x509-ca-1' });
    const client = await x509Client('x509-ca-1', leaf);
    await client.sendEvent(new Message('{"ok":true}'));
    expect(env.hub.registry.get('x509-ca-1').connectionState).toBe('Connected');
    // Through an intermediate CA: the device presents its full chain (leaf + intermediate), the hub trusts the root.
    const mid = await issueIntermediateCa(fleetCa, { commonName: 'fleet intermediate' });
    const deep = await issueClientCert(mid, { commonName: 'x509-ca-2' });
    env.hub.registry.create({ deviceId: 'x509-ca-2', authentication: { type: 'certificateAuthority' } });
    await (await x509Client('x509-ca-2', { cert: deep.cert + mid.cert, key: deep.key })).sendEvent(new Message('{}'));
    expect(env.hub.registry.get('x509-ca-2').connectionState).toBe('Connected');
  });

  it('refuses a wrong certificate, a wrong CN, an untrusted or unverified CA, a disabled device, and no certificate', async () => {
    const registered = await createSelfSignedClientCert({ commonName: 'x509-wrong' });
    env.hub.registry.create({ deviceId: 'x509-wrong', authentication: { type: 'selfSigned', primaryThumbprint: thumbprints(registered.cert).sha256 } });
    const impostor = await createSelfSignedClientCert({ commonName: 'x509-wrong' });
    const stats = env.hub.stats.refusedConnects;
    expect(await refused('x509-wrong', impostor)).toMatch(/Unauthorized|Not authorized/i);
    expect(stats['unknown-thumbprint']).toBe(1);

    const trusted = await createRootCa({ commonName: 'trusted CA' });
    env.hub.certificates.put('trusted', trusted.cert, true);
    env.hub.registry.create({ deviceId: 'x509-cn', authentication: { type: 'certificateAuthority' } });
    await refused('x509-cn', await issueClientCert(trusted, { commonName: 'someone-else' }));
    expect(stats['cn-mismatch']).toBe(1);

    const stranger = await createRootCa({ commonName: 'unknown CA' });
    await refused('x509-cn', await issueClientCert(stranger, { commonName: 'x509-cn' }));
    const unverified = await createRootCa({ commonName: 'unverified CA' });
    env.hub.certificates.put('unverified', unverified.cert, false);
    await refused('x509-cn', await issueClientCert(unverified, { commonName: 'x509-cn' }));
    expect(stats['untrusted-chain']).toBe(2);

    const ok = await issueClientCert(trusted, { commonName: 'x509-off' });
    env.hub.registry.create({ deviceId: 'x509-off', status: 'disabled', authentication: { type: 'certificateAuthority' } });
    await refused('x509-off', ok);
    expect(stats.disabled).toBe(1);

    // An X.509 device connecting with a SAS-less, certificate-less client is refused too (raw TLS client, no cert).
    const code = await connectRaw(env.port, Buffer.from(env.pki.ca.cert), { clientId: 'x509-cn', username: `${HUB_HOST}/x509-cn/?api-version=2021-04-12`, password: '' }).then(
      (c) => {
        c.end(true);
        return 0;
      },
      (e: { connack?: number }) => e.connack ?? -1,
    );
    expect(code).toBe(5);
    expect(stats['no-certificate']).toBe(1);
  });
});

/** Provision with the SDK's X.509 security client (the DPS transport has no ca option; its MqttBase has). */
async function provisionX509(registrationId: string, pair: CertKeyPair): Promise<RegistrationResult> {
  const base = new MqttBase();
  base.setOptions({ ca: env.pki.ca.cert });
  const transport = new DpsMqtt(base as unknown as ConstructorParameters<typeof DpsMqtt>[0]);
  const security = new X509Security(registrationId, { cert: pair.cert, key: pair.key }) as unknown as Parameters<typeof ProvisioningDeviceClient.create>[3];
  const client = ProvisioningDeviceClient.create(`localhost:${env.port}`, ID_SCOPE, transport, security);
  return (await client.register()) as RegistrationResult;
}

describe('DPS X.509 attestation with the Azure IoT provisioning SDK', () => {
  it('an individual enrollment (device certificate thumbprint) provisions a selfSigned device that then connects', async () => {
    const cert = await createSelfSignedClientCert({ commonName: 'dps-x509-one' });
    env.dps.enrollments.addX509Individual('dps-x509-one', [thumbprints(cert.cert).sha1]);
    const result = await provisionX509('dps-x509-one', cert);
    expect(result).toMatchObject({ registrationId: 'dps-x509-one', deviceId: 'dps-x509-one', assignedHub: HUB_HOST, status: 'assigned' });
    expect(env.hub.registry.get('dps-x509-one').authentication).toMatchObject({ type: 'selfSigned', x509Thumbprint: { primaryThumbprint: thumbprints(cert.cert).sha256 } });
    await (await x509Client('dps-x509-one', cert)).sendEvent(new Message('{}'));
  });

  it('a group enrollment with a CA provisions CA-signed devices (registration id = CN); others are refused', async () => {
    const groupCa = await createRootCa({ commonName: 'dps group CA' });
    env.dps.enrollments.addX509Group('x509-group', groupCa.cert);
    const leaf = await issueClientCert(groupCa, { commonName: 'dps-x509-group-7' });
    const result = await provisionX509('dps-x509-group-7', leaf);
    expect(result).toMatchObject({ deviceId: 'dps-x509-group-7', status: 'assigned' });
    expect(env.hub.registry.get('dps-x509-group-7').authentication.type).toBe('certificateAuthority');
    await (await x509Client('dps-x509-group-7', leaf)).sendEvent(new Message('{}'));

    const stranger = await issueClientCert(await createRootCa({ commonName: 'not enrolled' }), { commonName: 'dps-x509-stranger' });
    await expect(provisionX509('dps-x509-stranger', stranger)).rejects.toThrow();
    expect(env.dps.stats.refusedConnects['x509-untrusted-certificate']).toBe(1);
  });
});
