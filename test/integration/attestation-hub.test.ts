/**
 * The attestation service on the embedded hub (its worker thread), over real sockets: HTTP challenge → evidence →
 * credential → MQTT CONNECT with it; every compromise refused over HTTP; CONNECTs without a credential, with the
 * fleet's group key, or with an expired credential refused (CONNACK 5); a quarantined device admitted to the firmware
 * topics only; an X.509 credential (Ed25519 leaf for the Alias key) used as the TLS client certificate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CredentialBody, encodeEvidence } from '../../src/attestation/index.js';
import { type BootResult, type Evidence, boot, makeEvidence, replayed, tampered } from '../../src/devices/secure-os/index.js';
import type { SecureOsFleet } from '../../src/hub/attestation/index.js';
import { type EmbeddedHub, startEmbeddedHub } from '../../src/hub/embedded.js';
import { EMBEDDED_HUB_HOST, EMBEDDED_ID_SCOPE, createSasToken, deviceResource, fleetDeviceKey, hubUsername } from '../../src/iothub/index.js';
import { type MqttClient, mqtt } from '../../src/transports/mqtt/lib.js';
import { localhostCert } from '../support/iothub.js';
import { RELEASES, SEED, START, catalog, image } from '../support/secure-os.js';

const SERVICE_KEY = Buffer.from('service key of the attestation hub tests').toString('base64');
const GROUP_KEY = Buffer.from('group key of the attestation hub tests').toString('base64');
const TTL_MS = 4000;
let hub: EmbeddedHub;
let tls: { key: Buffer; cert: Buffer };

beforeAll(async () => {
  tls = localhostCert();
  const fleet = (id: string, secureOs: SecureOsFleet) => ({ id, idPattern: '{fleet}-{index}', count: 4, groupKey: GROUP_KEY, provisioning: 'none' as const, secureOs });
  hub = await startEmbeddedHub(
    [
      { scheme: 'mqtt', host: '127.0.0.1', port: 0 },
      { scheme: 'mqtts', host: '127.0.0.1', port: 0, tls },
    ],
    {
      hostName: EMBEDDED_HUB_HOST,
      serviceKey: SERVICE_KEY,
      idScope: EMBEDDED_ID_SCOPE,
      fleets: [
        fleet('sec', { credential: 'sas', firmware: '2.3.0' }),
        fleet('q', { require: 'quarantine', credential: 'sas', firmware: '2.3.0' }),
        fleet('x', { credential: 'x509', firmware: 'thermostat-app@2.3.0' }),
      ],
      attestation: { seed: SEED, startTimeMs: START, releases: RELEASES, policy: { minSvn: 3, credentialTtlMs: TTL_MS }, require: 'refuse' },
    },
  );
});
afterAll(async () => {
  await hub?.stop();
});

/** A device of the test world: global index = its position in the fleet list, as a plan would number it. */
function device(id: string, o: Partial<Parameters<typeof boot>[0]> = {}): BootResult {
  const [fleet, index] = id.split('-') as [string, string];
  const globalIndex = ['sec', 'q', 'x'].indexOf(fleet) * 4 + Number(index);
  return boot({ device: { seed: SEED, globalIndex, deviceId: id, startTimeMs: START }, catalog, app: image('2.3.0'), antiRollback: 3, ...o });
}

async function post(path: string, body: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${hub.deviceUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function nonceFor(deviceId: string): Promise<string> {
  const r = await post('/attestation/challenge', JSON.stringify({ deviceId }));
  expect(r.status).toBe(200);
  return r.body.nonce as string;
}

/** challenge → evidence over HTTP; the response. */
async function attest(deviceId: string, evidence: (nonce: string) => Evidence): Promise<{ status: number; body: Record<string, unknown> }> {
  return post('/attestation/evidence', encodeEvidence(evidence(await nonceFor(deviceId))));
}

function connect(deviceId: string, password: string | undefined): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(hub.url, { clientId: deviceId, username: hubUsername(EMBEDDED_HUB_HOST, deviceId), ...(password === undefined ? {} : { password }), reconnectPeriod: 0, protocolVersion: 4 });
    c.once('connect', () => resolve(c));
    c.once('error', (err: Error & { code?: number }) => {
      c.end(true);
      reject(Object.assign(new Error(err.message), { connack: err.code }));
    });
  });
}

const connack = (p: Promise<unknown>): Promise<number> => p.then(() => 0, (e: { connack?: number }) => e.connack ?? -1);

function granted(client: MqttClient, filter: string): Promise<number> {
  return new Promise((resolve, reject) =>
    client.subscribe(filter, { qos: 1 }, (err, g) => {
      if (err && /Subscribe error/.test(err.message)) resolve(128);
      else if (err) reject(err);
      else resolve(g?.[0]?.qos ?? -1);
    }),
  );
}

describe('attestation service on the embedded hub', () => {
  it('challenge → evidence → SAS credential → CONNECT accepted; a telemetry publish goes through', async () => {
    const r = await attest('sec-0', (n) => makeEvidence(device('sec-0'), n));
    expect(r.status).toBe(200);
    const cred = r.body.credential as CredentialBody;
    expect(cred).toMatchObject({ kind: 'sas', scope: 'full' });
    expect(Date.parse(cred.expiresAtUtc) - Date.now()).toBeLessThanOrEqual(TTL_MS);
    const c = await connect('sec-0', cred.token);
    await new Promise<void>((resolve, reject) => c.publish('devices/sec-0/messages/events/', '{"t":1}', { qos: 1 }, (err) => (err ? reject(err) : resolve())));
    c.end(true);
  });

  it('each compromise is refused over HTTP with its reason (403, errorCode 403100)', async () => {
    const victim = device('sec-1');
    const cases: Array<[string, (n: string) => Evidence, string]> = [
      ['sec-2', (n) => makeEvidence(device('sec-2', { app: tampered(image('2.3.0')), attack: { skipSecureBoot: true } }), n), 'MEASUREMENT_UNKNOWN'],
      ['sec-2', (n) => makeEvidence(device('sec-2', { debug: true }), n), 'DEBUG_MODE'],
      ['sec-2', (n) => makeEvidence(device('sec-2', { app: image('2.2.0'), attack: { skipAntiRollback: true } }), n), 'SVN_REVOKED'],
      ['sec-1', (n) => makeEvidence(device('sec-3', { attack: { clone: { deviceId: 'sec-1', deviceIdCertDer: victim.deviceIdCertDer } } }), n), 'CHAIN_INVALID'],
      ['sec-3', (n) => makeEvidence(device('sec-3', { attack: { clone: { deviceId: 'sec-3', deviceIdCertDer: victim.deviceIdCertDer } } }), n), 'IDENTITY_MISMATCH'],
      ['sec-9', (n) => makeEvidence(boot({ device: { seed: SEED, globalIndex: 99, deviceId: 'sec-9', startTimeMs: START }, catalog, app: image('2.3.0') }), n), 'UNKNOWN_DEVICE'],
      ['sec-1', (n) => replayed(makeEvidence(victim, 'captured earlier'), n), 'SIGNATURE_INVALID'],
    ];
    for (const [id, ev, reason] of cases) {
      const r = await attest(id, ev);
      expect({ id, status: r.status, reason: r.body.reason }).toEqual({ id, status: 403, reason });
      expect(r.body.errorCode).toBe(403100);
      expect(r.body.credential).toBeUndefined();
    }
    const used = await nonceFor('sec-1');
    const ev = encodeEvidence(makeEvidence(victim, used));
    expect((await post('/attestation/evidence', ev)).status).toBe(200);
    expect((await post('/attestation/evidence', ev)).body.reason).toBe('NONCE_UNKNOWN');
  });

  it('bad bodies are 400 with a message, not a crash', async () => {
    const r = await post('/attestation/evidence', '{"deviceId":"sec-0"}');
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/nonce must be a string/);
    expect((await post('/attestation/challenge', 'not json')).status).toBe(400);
  });

  it('CONNECT without a credential, with a token signed by the fleet key, or with an expired credential: CONNACK 5', async () => {
    expect(await connack(connect('sec-3', undefined))).toBe(5);
    const groupToken = createSasToken({ resourceUri: deviceResource(EMBEDDED_HUB_HOST, 'sec-3'), keyBase64: fleetDeviceKey(GROUP_KEY, 'sec-3'), expiry: Math.floor(Date.now() / 1000) + 3600 });
    expect(await connack(connect('sec-3', groupToken))).toBe(5);
    const r = await attest('sec-3', (n) => makeEvidence(device('sec-3'), n));
    const cred = r.body.credential as CredentialBody;
    (await connect('sec-3', cred.token)).end(true); // accepted while valid…
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(cred.expiresAtUtc) - Date.now()) + 1100));
    expect(await connack(connect('sec-3', cred.token))).toBe(5); // …refused once expired
  });

  it('quarantine: a refused device gets an update-only token; admitted to $fleetsim/firmware/ only', async () => {
    const r = await attest('q-0', (n) => makeEvidence(device('q-0', { debug: true }), n));
    expect(r.status).toBe(403);
    expect(r.body.reason).toBe('DEBUG_MODE');
    const cred = r.body.credential as CredentialBody;
    expect(cred).toMatchObject({ kind: 'sas', scope: 'update-only' });
    // The quarantine token is no good for a refuse-mode device's full access, nor for another device.
    const c = await connect('q-0', cred.token);
    expect(await granted(c, '$fleetsim/firmware/res/#')).toBe(1);
    expect(await granted(c, 'devices/q-0/messages/devicebound/#')).toBe(128);
    expect(await granted(c, '$iothub/twin/res/#')).toBe(128);
    await new Promise<void>((resolve, reject) => c.publish('$fleetsim/firmware/thermostat-app/2.4.0/get/0/?$rid=1', '', { qos: 1 }, (err) => (err ? reject(err) : resolve())));
    const closed = new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), 3000);
      c.once('close', () => {
        clearTimeout(t);
        resolve(true);
      });
    });
    c.publish('devices/q-0/messages/events/', '{"t":1}', { qos: 1 });
    expect(await closed).toBe(true);
    c.end(true);
    // A genuine device of the quarantine fleet gets a full credential.
    const ok = await attest('q-1', (n) => makeEvidence(device('q-1'), n));
    expect((ok.body.credential as CredentialBody).scope).toBe('full');
    (await connect('q-1', (ok.body.credential as CredentialBody).token)).end(true);
  });

  it('X.509 credential: the Ed25519 leaf for the Alias key is the TLS client certificate; without it CONNACK 5', async () => {
    const b = device('x-0');
    const r = await attest('x-0', (n) => makeEvidence(b, n));
    const cred = r.body.credential as CredentialBody;
    expect(cred.kind).toBe('x509');
    const url = hub.listening.find((l) => l.scheme === 'mqtts')?.url as string;
    const open = (withCert: boolean) =>
      new Promise<MqttClient>((resolve, reject) => {
        const c = mqtt.connect(url, {
          clientId: 'x-0', username: hubUsername(EMBEDDED_HUB_HOST, 'x-0'), ca: tls.cert, servername: 'localhost', reconnectPeriod: 0, protocolVersion: 4,
          ...(withCert ? { cert: `${cred.certPem ?? ''}${cred.chainPem ?? ''}`, key: b.aliasKeyPem() } : {}),
        }); // prettier-ignore
        c.once('connect', () => resolve(c));
        c.once('error', (err: Error & { code?: number }) => {
          c.end(true);
          reject(Object.assign(new Error(err.message), { connack: err.code }));
        });
      });
    (await open(true)).end(true);
    expect(await connack(open(false))).toBe(5);
  });

  it('the hub counts attestations by outcome and reason, credentials, quarantined and refused connects', async () => {
    const s = (await hub.stats()).attestation;
    expect(s).toBeDefined();
    expect(s?.passed).toBeGreaterThanOrEqual(5);
    expect(s?.refused).toMatchObject({ MEASUREMENT_UNKNOWN: 1, DEBUG_MODE: 2, SVN_REVOKED: 1, CHAIN_INVALID: 1, IDENTITY_MISMATCH: 1, UNKNOWN_DEVICE: 1, SIGNATURE_INVALID: 1, NONCE_UNKNOWN: 1 });
    expect(s?.attestations).toBe((s?.passed ?? 0) + Object.values(s?.refused ?? {}).reduce((a, b) => a + b, 0));
    expect(s?.credentials).toMatchObject({ sas: 4, x509: 1, quarantine: 1 });
    expect(s?.quarantinedConnections).toBe(1);
    expect(s?.quarantineRefusedSubscriptions).toBe(2);
    expect(s?.quarantineRefusedPublishes).toBe(1);
    expect(s?.firmwareRequests).toBe(1);
    expect(s?.refusedConnects).toBe(4);
  });
});
