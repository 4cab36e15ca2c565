/**
 * The certificates of a DICE device, built from DER templates (src/core/cert-der.ts) and signed with Ed25519:
 * - the factory CA (self-signed, from the seed): the simulated manufacturer, which signs every DeviceID certificate;
 * - the DeviceID certificate (CN = device id, a CA: it signs the Alias certificate), issued at manufacture;
 * - the Alias certificate (CN = device id), signed by the DeviceID key at every boot, carrying the TCG DICE TcbInfo
 *   extension (OID 2.23.133.5.4.1) with the FWID and the measurement-log digest as SHA-256 FWIDs and the debug flag.
 * Validity is fixed from the plan's start time, so the same seed gives byte-identical certificates.
 */
import { createHash } from 'node:crypto';
import { type CertName, buildCertificate, certPem, encodeName, keyIdentifier, serialFrom } from '../../core/cert-der.js';
import { DerError, children, ctx, octets, oid, oidText, readDer, seq, uintContent } from '../../core/der.js';
import { type Ed25519PrivateKey, type Ed25519PublicKey, ed25519FromSeed } from '../../core/ed25519.js';
import { rootSeed } from './kdf.js';

export const OID_TCB_INFO = '2.23.133.5.4.1';
const OID_SHA256 = '2.16.840.1.101.3.4.2.1';
const DAY_MS = 86_400_000;
/** Certificates made at manufacture or boot are valid from a day before the plan's start for 20 years. */
const LIFETIME_MS = 20 * 365 * DAY_MS;

export const deviceIdName = (deviceId: string): CertName => ({ organization: 'fleetsim DeviceID', commonName: deviceId });
export const aliasName = (deviceId: string): CertName => ({ organization: 'fleetsim Alias', commonName: deviceId });

export interface FactoryCa {
  readonly certDer: Buffer;
  readonly certPem: string;
  readonly subjectDer: Buffer;
  readonly publicKey: Ed25519PublicKey;
  readonly publicRaw: Buffer;
  /** The DeviceID certificate of a device whose DeviceID public key is `deviceIdPublic` (what the factory signs). */
  issueDeviceId(deviceId: string, deviceIdPublic: Buffer): Buffer;
}

const factories = new Map<string, FactoryCa>();

/** The simulated factory CA of a seed (key: HKDF of the seed), certificate validity from `startTimeMs`. Cached. */
export function factoryCa(seed: string, startTimeMs: number): FactoryCa {
  const cacheKey = `${seed}\u001f${startTimeMs}`;
  const cached = factories.get(cacheKey);
  if (cached !== undefined) return cached;
  const keys = ed25519FromSeed(rootSeed(seed, 'factory-ca'));
  // Each seed's factory has its own name (its key id), as two manufacturers' CAs would.
  const name: CertName = { organization: 'fleetsim', commonName: `fleetsim factory CA ${keyIdentifier(keys.publicRaw).toString('hex').slice(0, 8)}` };
  const notBeforeMs = startTimeMs - DAY_MS;
  const certDer = buildCertificate(
    { serial: serialFrom(hash(keys.publicRaw)), issuer: name, subject: name, notBeforeMs, notAfterMs: notBeforeMs + LIFETIME_MS, subjectPublicKey: keys.publicRaw, issuerPublicKey: keys.publicRaw, ca: true },
    keys.privateKey,
  );
  const ca: FactoryCa = {
    certDer,
    certPem: certPem(certDer),
    subjectDer: encodeName(name),
    publicKey: keys.publicKey,
    publicRaw: keys.publicRaw,
    issueDeviceId: (deviceId, deviceIdPublic) =>
      buildCertificate(
        { serial: serialFrom(hash(deviceIdPublic)), issuer: name, subject: deviceIdName(deviceId), notBeforeMs, notAfterMs: notBeforeMs + LIFETIME_MS, subjectPublicKey: deviceIdPublic, issuerPublicKey: keys.publicRaw, ca: true },
        keys.privateKey,
      ),
  };
  if (factories.size > 64) factories.clear();
  factories.set(cacheKey, ca);
  return ca;
}

function hash(b: Buffer): Buffer {
  return createHash('sha256').update(b).digest();
}

/** What the Alias certificate's TcbInfo says about the running firmware. */
export interface TcbInfo {
  readonly vendor: string;
  readonly model: string;
  readonly version: string;
  readonly svn: number;
  readonly layer: number;
  /** SHA-256 of the application image (the FWID). */
  readonly fwid: Buffer;
  /** SHA-256 of the measurement log (see evidence.ts, logDigest). */
  readonly logDigest: Buffer;
  readonly debug: boolean;
}

/**
 * DiceTcbInfo (TCG DICE Attestation Architecture): SEQUENCE { vendor [0], model [1], version [2], svn [3], layer [4],
 * fwids [6] SEQUENCE OF SEQUENCE { hashAlg, digest }, flags [7] BIT STRING (bit 3: debug) }, all IMPLICIT.
 */
export function encodeTcbInfo(t: TcbInfo): Buffer {
  const fwid = (d: Buffer): Buffer => seq(oid(OID_SHA256), octets(d));
  const flags = t.debug ? Buffer.from([0x04, 0x10]) : Buffer.from([0x00]);
  return seq(
    ctx(0, false, Buffer.from(t.vendor, 'utf8')),
    ctx(1, false, Buffer.from(t.model, 'utf8')),
    ctx(2, false, Buffer.from(t.version, 'utf8')),
    ctx(3, false, uintContent(t.svn)),
    ctx(4, false, uintContent(t.layer)),
    ctx(6, true, fwid(t.fwid), fwid(t.logDigest)),
    ctx(7, false, flags),
  );
}

function uintOf(content: Buffer): number {
  let v = 0;
  for (const b of content) v = v * 256 + b;
  return v;
}

/** Reads a TcbInfo this module encoded; throws a DerError otherwise. */
export function decodeTcbInfo(der: Buffer): TcbInfo {
  const fields = new Map(children(readDer(der)).map((c) => [c.tag & 0x1f, c]));
  const text = (n: number): string => fields.get(n)?.content.toString('utf8') ?? '';
  const fwids = fields.get(6);
  const digests = fwids === undefined ? [] : children(fwids).map((f) => children(f));
  const digest = (i: number): Buffer => {
    const f = digests[i];
    if (f === undefined || f[0] === undefined || f[1] === undefined || oidText(f[0].content) !== OID_SHA256) throw new DerError('TcbInfo: missing SHA-256 FWID');
    return f[1].content;
  };
  const flags = fields.get(7)?.content;
  return {
    vendor: text(0),
    model: text(1),
    version: text(2),
    svn: uintOf(fields.get(3)?.content ?? Buffer.alloc(0)),
    layer: uintOf(fields.get(4)?.content ?? Buffer.alloc(0)),
    fwid: digest(0),
    logDigest: digest(1),
    debug: flags !== undefined && flags.length > 1 && ((flags[1] ?? 0) & 0x10) !== 0,
  };
}

/** The Alias certificate: subject = alias name, issuer = the DeviceID certificate's subject, signed with the DeviceID key. */
export function aliasCertificate(o: {
  readonly deviceId: string;
  readonly aliasPublic: Buffer;
  readonly deviceIdPublic: Buffer;
  readonly deviceIdKey: Ed25519PrivateKey;
  readonly issuerName: CertName;
  readonly startTimeMs: number;
  readonly tcb: TcbInfo;
}): Buffer {
  const notBeforeMs = o.startTimeMs - DAY_MS;
  return buildCertificate(
    {
      serial: serialFrom(hash(o.aliasPublic)),
      issuer: o.issuerName,
      subject: aliasName(o.deviceId),
      notBeforeMs,
      notAfterMs: notBeforeMs + LIFETIME_MS,
      subjectPublicKey: o.aliasPublic,
      issuerPublicKey: o.deviceIdPublic,
      ca: false,
      extensions: [{ oid: OID_TCB_INFO, critical: false, value: encodeTcbInfo(o.tcb) }],
    },
    o.deviceIdKey,
  );
}
