import { describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/core/cert-der.js';
import { describeCertificate, verifyCertificateSignature } from '../../src/core/x509.js';
import { attestationCa, attestedDeviceKey, quarantineDeviceKey } from '../../src/attestation/index.js';
import { deviceResource, verifySasToken } from '../../src/iothub/sas.js';
import { type Evidence, boot, lyingEvidence, makeEvidence, replayed, tampered } from '../../src/devices/secure-os/index.js';
import { HUB_HOST, SEED, SERVICE_KEY, START, bootDevice, catalog, image, spec, verifier } from '../support/secure-os.js';

function attest(v: ReturnType<typeof verifier>['v'], ev: (nonce: string) => Evidence, deviceId = 'dev-0') {
  return v.verify(ev(v.challenge(deviceId).nonce));
}

describe('attestation: the happy path', () => {
  it('a genuine device gets a 24 h SAS credential the hub verifies with the derived per-device key', () => {
    const { v, clock } = verifier();
    const b = bootDevice(0);
    const out = attest(v, (n) => makeEvidence(b, n));
    expect(out.ok).toBe(true);
    if (!out.ok || out.credential.kind !== 'sas') throw new Error('expected a SAS credential');
    expect(out.credential.scope).toBe('full');
    expect(out.credential.expiresAtMs).toBe(Math.floor((clock.now() + 86_400_000) / 1000) * 1000);
    const check = verifySasToken(out.credential.token, { resource: deviceResource(HUB_HOST, 'dev-0'), keyBase64: attestedDeviceKey(SERVICE_KEY, 'dev-0'), nowS: clock.now() / 1000 });
    expect(check.ok).toBe(true);
    expect(verifySasToken(out.credential.token, { resource: deviceResource(HUB_HOST, 'dev-0'), keyBase64: quarantineDeviceKey(SERVICE_KEY, 'dev-0'), nowS: clock.now() / 1000 }).ok).toBe(false);
    expect(v.counts()).toMatchObject({ challenges: 1, attestations: 1, passed: 1, credentials: { sas: 1, x509: 0, quarantine: 0 } });
  });

  it('x509 policy: a leaf for the Alias key, CN = device id, signed by the attestation CA, valid 24 h', async () => {
    const { v, clock } = verifier({ credential: 'x509' });
    const b = bootDevice(1);
    const out = attest(v, (n) => makeEvidence(b, n), 'dev-1');
    if (!out.ok || out.credential.kind !== 'x509') throw new Error('expected an X.509 credential');
    const leaf = describeCertificate(out.credential.certPem);
    expect(leaf.subject).toBe('CN=dev-1');
    expect(leaf.issuer).toBe('O=fleetsim, CN=fleetsim attestation CA');
    expect(leaf.notAfter.getTime()).toBe(Math.floor((clock.now() + 86_400_000) / 1000) * 1000);
    expect(parseCertificate(Buffer.from(out.credential.certPem.replace(/-----[^-]+-----|\n/g, ''), 'base64')).publicKey).toEqual(b.aliasPublicKey);
    expect(await verifyCertificateSignature(out.credential.certPem, attestationCa(SEED, START).certDer)).toBe(true);
    expect(out.credential.chainPem).toBe(attestationCa(SEED, START).certPem);
  });

  it('debug mode is admitted when the policy allows it', () => {
    const { v } = verifier({ allowDebug: true });
    expect(attest(v, (n) => makeEvidence(bootDevice(0, { debug: true }), n)).ok).toBe(true);
  });
});

describe('attestation: every refusal reason, produced by the attack', () => {
  const refused = (out: ReturnType<ReturnType<typeof verifier>['v']['verify']>): string => (out.ok ? 'ok' : out.reason);

  it('UNKNOWN_DEVICE: a device id that is not enrolled', () => {
    const { v } = verifier({}, 10);
    const stranger = bootDevice(42);
    expect(refused(attest(v, (n) => makeEvidence(stranger, n), 'dev-42'))).toBe('UNKNOWN_DEVICE');
  });

  it('UNKNOWN_DEVICE: a DeviceID certificate from another factory (another seed\'s CA)', () => {
    const { v } = verifier();
    const foreign = boot({ device: { ...spec(0), seed: 'another-factory' }, catalog, app: image('2.3.0') });
    expect(refused(attest(v, (n) => makeEvidence(foreign, n)))).toBe('UNKNOWN_DEVICE');
  });

  it('CHAIN_INVALID: a clone claiming the victim\'s id presents the victim\'s DeviceID certificate with its own Alias', () => {
    const { v } = verifier();
    const victim = bootDevice(0);
    const clone = bootDevice(7, { attack: { clone: { deviceId: 'dev-0', deviceIdCertDer: victim.deviceIdCertDer } } });
    expect(refused(attest(v, (n) => makeEvidence(clone, n), 'dev-0'))).toBe('CHAIN_INVALID');
  });

  it('CHAIN_INVALID: a DeviceID certificate whose factory signature was tampered with', () => {
    const { v } = verifier();
    const b = bootDevice(0);
    const forged = Buffer.from(b.deviceIdCertDer);
    forged[forged.length - 1] = (forged[forged.length - 1] ?? 0) ^ 1;
    expect(refused(attest(v, (n) => ({ ...makeEvidence(b, n), chain: [b.aliasCertDer, forged] })))).toBe('CHAIN_INVALID');
  });

  it('CHAIN_INVALID: certificates used after their validity', () => {
    const { v, clock } = verifier();
    const b = bootDevice(0);
    clock.set(START + 21 * 365 * 86_400_000);
    expect(refused(attest(v, (n) => makeEvidence(b, n)))).toBe('CHAIN_INVALID');
  });

  it('IDENTITY_MISMATCH: a clone attesting under its own id with another device\'s DeviceID certificate', () => {
    const { v } = verifier();
    const victim = bootDevice(0);
    const clone = bootDevice(7, { attack: { clone: { deviceId: 'dev-7', deviceIdCertDer: victim.deviceIdCertDer } } });
    expect(refused(attest(v, (n) => makeEvidence(clone, n), 'dev-7'))).toBe('IDENTITY_MISMATCH');
  });

  it('NONCE_UNKNOWN: a made-up nonce, a replayed one, and a nonce issued to another device', () => {
    const { v } = verifier();
    const b = bootDevice(0);
    expect(refused(v.verify(makeEvidence(b, 'AAAAAAAAAAAAAAAAAAAAAA')))).toBe('NONCE_UNKNOWN');
    const n = v.challenge('dev-0').nonce;
    const ev = makeEvidence(b, n);
    expect(v.verify(ev).ok).toBe(true);
    expect(refused(v.verify(ev))).toBe('NONCE_UNKNOWN'); // single use
    const other = v.challenge('dev-1').nonce;
    expect(refused(v.verify(makeEvidence(b, other)))).toBe('NONCE_UNKNOWN');
  });

  it('NONCE_EXPIRED: evidence answered after the nonce lifetime', () => {
    const { v, clock } = verifier({ nonceTtlMs: 60_000 });
    const n = v.challenge('dev-0').nonce;
    clock.advance(60_001);
    expect(refused(v.verify(makeEvidence(bootDevice(0), n)))).toBe('NONCE_EXPIRED');
  });

  it('SIGNATURE_INVALID: old evidence replayed with a fresh nonce (the attacker has no Alias key)', () => {
    const { v } = verifier();
    const b = bootDevice(0);
    const old = makeEvidence(b, 'an old nonce');
    expect(refused(attest(v, (n) => replayed(old, n)))).toBe('SIGNATURE_INVALID');
  });

  it('FWID_MISMATCH: compromised firmware reports a genuine device\'s log and FWID, signed with its own Alias key', () => {
    const { v } = verifier();
    const genuine = bootDevice(1);
    const compromised = bootDevice(0, { app: tampered(image('2.3.0')), attack: { skipSecureBoot: true } });
    expect(refused(attest(v, (n) => lyingEvidence(compromised, n, { measurements: genuine.measurements, fwid: genuine.fwid })))).toBe('FWID_MISMATCH');
  });

  it('MEASUREMENT_UNKNOWN: a tampered application booted through a secure-boot bypass', () => {
    const { v } = verifier();
    const b = bootDevice(0, { app: tampered(image('2.3.0')), attack: { skipSecureBoot: true } });
    expect(b.ok).toBe(true);
    const out = attest(v, (n) => makeEvidence(b, n));
    expect(refused(out)).toBe('MEASUREMENT_UNKNOWN');
    if (!out.ok) expect(out.message).toMatch(/dev-0: application thermostat-app 2.3.0 digest [0-9a-f]{16}… is not a reference value/);
  });

  it('SVN_REVOKED: a revoked release and a release below minSvn, booted past anti-rollback', () => {
    const { v } = verifier({ minSvn: 3 });
    const revoked = bootDevice(0, { app: image('2.2.0'), attack: { skipAntiRollback: true } });
    const old = bootDevice(1, { app: image('1.0.0'), attack: { skipAntiRollback: true } });
    expect(refused(attest(v, (n) => makeEvidence(revoked, n)))).toBe('SVN_REVOKED');
    expect(refused(attest(v, (n) => makeEvidence(old, n), 'dev-1'))).toBe('SVN_REVOKED');
  });

  it('DEBUG_MODE: booted in debug mode (the Alias certificate says so, whatever the evidence claims)', () => {
    const { v } = verifier();
    const b = bootDevice(0, { debug: true });
    expect(refused(attest(v, (n) => makeEvidence(b, n)))).toBe('DEBUG_MODE');
    expect(refused(attest(v, (n) => ({ ...makeEvidence(b, n), debug: false })))).toBe('DEBUG_MODE');
  });

  it('quarantine policy: a refused device gets an update-only token signed with the quarantine key; the reason is counted', () => {
    const { v, clock } = verifier({ onRefusal: 'quarantine' });
    const out = attest(v, (n) => makeEvidence(bootDevice(0, { debug: true }), n));
    if (out.ok || out.quarantine?.kind !== 'sas') throw new Error('expected a quarantine credential');
    expect(out.reason).toBe('DEBUG_MODE');
    expect(out.quarantine.scope).toBe('update-only');
    const key = quarantineDeviceKey(SERVICE_KEY, 'dev-0');
    expect(verifySasToken(out.quarantine.token, { resource: deviceResource(HUB_HOST, 'dev-0'), keyBase64: key, nowS: clock.now() / 1000 }).ok).toBe(true);
    expect(v.counts()).toMatchObject({ attestations: 1, passed: 0, refused: { DEBUG_MODE: 1 }, credentials: { sas: 0, quarantine: 1 } });
  });
});
