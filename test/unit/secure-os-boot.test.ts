import { hkdfSync, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/core/cert-der.js';
import { describeCertificate, verifyCertificateSignature } from '../../src/core/x509.js';
import { hkdf } from '../../src/devices/secure-os/kdf.js';
import {
  OID_TCB_INFO, decodeTcbInfo, deviceSecret, factoryCa, logDigest, makeEvidence, tampered, unsigned,
} from '../../src/devices/secure-os/index.js';
import { START, SEED, bootDevice, catalog, image } from '../support/secure-os.js';

describe('secure OS: fuse secret and key derivation', () => {
  it('HKDF-SHA256 in two HMACs equals node:crypto hkdfSync', () => {
    const ikm = Buffer.from('input key material');
    expect(hkdf(ikm, 'salt', 'info')).toEqual(Buffer.from(hkdfSync('sha256', ikm, 'salt', 'info', 32)));
  });

  it('the UDS is 32 bytes, per seed and index, and deterministic', () => {
    expect(deviceSecret('s', 0)).toHaveLength(32);
    expect(deviceSecret('s', 0)).toEqual(deviceSecret('s', 0));
    expect(deviceSecret('s', 0)).not.toEqual(deviceSecret('s', 1));
    expect(deviceSecret('s', 0)).not.toEqual(deviceSecret('t', 0));
    expect(deviceSecret('s', 7)).toEqual(Buffer.from(hkdfSync('sha256', 's', 'fleetsim/uds', Buffer.from([0, 0, 0, 7]), 32)));
  });
});

describe('secure OS: firmware catalog', () => {
  it('images are deterministic per name and version, digest = SHA-256 of the bytes, signed by the vendor key', async () => {
    const { createHash, verify } = await import('node:crypto');
    const { firmwareCatalog, manifestBytes } = await import('../../src/devices/secure-os/index.js');
    const again = firmwareCatalog(SEED, [{ name: 'thermostat-app', version: '2.3.0', svn: 3, sizeBytes: 50_000 }]);
    const a = catalog.image('thermostat-app', '2.3.0');
    const b = again.image('thermostat-app', '2.3.0');
    expect(a.bytes()).toEqual(b.bytes());
    expect(a.bytes()).toHaveLength(50_000);
    expect(createHash('sha256').update(a.bytes()).digest()).toEqual(a.digest);
    expect(a.digest).not.toEqual(catalog.image('thermostat-app', '2.4.0').digest);
    expect(verify(null, manifestBytes(a.name, a.version, a.svn, a.digest), catalog.vendorPublicKeyPem, a.signature)).toBe(true);
    expect(() => catalog.image('thermostat-app', '9.9.9')).toThrow(/no firmware release thermostat-app 9.9.9 .*known: thermostat-app 2.2.0/);
  });

  it('reference values list the platform layers and every release, revoked ones flagged', () => {
    const refs = catalog.referenceValues();
    expect(refs.platform.map((m) => m.layer)).toEqual(['rom', 'bootloader', 'os']);
    expect(refs.releases.map((r) => [r.version, r.svn, r.revoked])).toEqual([['2.2.0', 2, true], ['2.3.0', 3, false], ['2.4.0', 4, false], ['1.0.0', 1, false]]);
  });
});

describe('secure OS: measured boot and DICE identity', () => {
  it('boots a signed image: measurement log in boot order, FWID = application digest', () => {
    const b = bootDevice(0);
    expect(b.ok).toBe(true);
    expect(b.measurements.map((m) => m.layer)).toEqual(['rom', 'bootloader', 'os', 'app']);
    expect(b.fwid).toEqual(catalog.image('thermostat-app', '2.3.0').digest);
    expect(b.measurements[3]?.digest).toEqual(b.fwid);
  });

  it('secure boot refuses an unsigned image, a corrupted one, and an svn below the anti-rollback counter', () => {
    expect(bootDevice(0, { app: unsigned(image('2.3.0')) }).refusal).toBe('UNSIGNED_IMAGE');
    expect(bootDevice(0, { app: tampered(image('2.3.0')) }).refusal).toBe('CORRUPT_IMAGE');
    const old = bootDevice(0, { app: image('2.2.0'), antiRollback: 3 });
    expect(old.ok).toBe(false);
    expect(old.refusal).toBe('ROLLBACK');
    expect(old.aliasCertDer).toHaveLength(0);
    expect(() => makeEvidence(old, 'n')).toThrow(/secure boot refused/);
    // A forged signature (another key) is UNSIGNED_IMAGE too.
    const forged = { ...image('2.3.0'), signature: Buffer.alloc(64, 7) };
    expect(bootDevice(0, { app: forged }).refusal).toBe('UNSIGNED_IMAGE');
  });

  it('same seed and index: byte-identical DeviceID certificate, Alias certificate and evidence', () => {
    const a = bootDevice(3);
    const b = bootDevice(3);
    expect(a.deviceIdCertDer).toEqual(b.deviceIdCertDer);
    expect(a.aliasCertDer).toEqual(b.aliasCertDer);
    expect(makeEvidence(a, 'nonce-1')).toEqual(makeEvidence(b, 'nonce-1'));
    expect(bootDevice(4).deviceIdCertDer).not.toEqual(a.deviceIdCertDer);
  });

  it('a firmware change changes the Alias key but not the DeviceID; debug mode changes the Alias key too', () => {
    const v23 = bootDevice(1);
    const v24 = bootDevice(1, { app: image('2.4.0') });
    const dbg = bootDevice(1, { debug: true });
    expect(v24.deviceIdCertDer).toEqual(v23.deviceIdCertDer);
    expect(v24.aliasPublicKey).not.toEqual(v23.aliasPublicKey);
    expect(dbg.deviceIdCertDer).toEqual(v23.deviceIdCertDer);
    expect(dbg.aliasPublicKey).not.toEqual(v23.aliasPublicKey);
  });

  it('the certificates are valid DER X.509 (@peculiar/x509): subjects, issuers, TcbInfo, signatures', async () => {
    const b = bootDevice(2, { debug: true });
    const ca = factoryCa(SEED, START);
    const caDesc = describeCertificate(ca.certDer);
    const did = describeCertificate(b.deviceIdCertDer);
    const alias = describeCertificate(b.aliasCertDer);
    expect(caDesc.subject).toMatch(/^O=fleetsim, CN=fleetsim factory CA [0-9a-f]{8}$/);
    expect(did.subject).toBe('O=fleetsim DeviceID, CN=dev-2');
    expect(did.issuer).toBe(caDesc.subject);
    expect(did.ca).toBe(true);
    expect(did.keyAlgorithm).toBe('Ed25519');
    expect(alias.subject).toBe('O=fleetsim Alias, CN=dev-2');
    expect(alias.issuer).toBe(did.subject);
    expect(alias.ca).toBe(false);
    expect(did.notBefore.getTime()).toBe(START - 86_400_000);
    const tcbExt = alias.extensions.find((e) => e.oid === OID_TCB_INFO);
    expect(tcbExt).toBeDefined();
    const tcb = decodeTcbInfo(tcbExt?.value ?? Buffer.alloc(0));
    expect(tcb).toMatchObject({ vendor: 'fleetsim', model: 'thermostat-app', version: '2.3.0', svn: 3, layer: 3, debug: true });
    expect(tcb.fwid).toEqual(b.fwid);
    expect(tcb.logDigest).toEqual(logDigest(b.measurements));
    expect(await verifyCertificateSignature(ca.certDer, ca.certDer)).toBe(true);
    expect(await verifyCertificateSignature(b.deviceIdCertDer, ca.certDer)).toBe(true);
    expect(await verifyCertificateSignature(b.aliasCertDer, b.deviceIdCertDer)).toBe(true);
    expect(await verifyCertificateSignature(b.aliasCertDer, ca.certDer)).toBe(false);
    // node:crypto (OpenSSL) agrees on the chain.
    const nodeDid = new X509Certificate(b.deviceIdCertDer);
    expect(new X509Certificate(b.aliasCertDer).checkIssued(nodeDid)).toBe(true);
    expect(nodeDid.checkIssued(new X509Certificate(ca.certDer))).toBe(true);
    // Our reader reads what @peculiar wrote about.
    expect(parseCertificate(b.aliasCertDer).subjectCn).toBe('dev-2');
  });

  it('a clone presents the victim\'s DeviceID certificate, but its Alias certificate is signed with its own DeviceID key', () => {
    const victim = bootDevice(5);
    const clone = bootDevice(6, { attack: { clone: { deviceId: 'dev-5', deviceIdCertDer: victim.deviceIdCertDer } } });
    expect(clone.deviceId).toBe('dev-5');
    expect(clone.deviceIdCertDer).toEqual(victim.deviceIdCertDer);
    expect(new X509Certificate(clone.aliasCertDer).verify(new X509Certificate(victim.deviceIdCertDer).publicKey)).toBe(false);
  });
});
