/**
 * X.509 v3 certificates signed with Ed25519, built from a DER template and read back, synchronously and in a few
 * microseconds (a general X.509 library costs milliseconds and is async): the DICE certificates a device makes at
 * every boot and the attestation service's short-lived credentials. Parsing and checks of arbitrary certificates stay
 * in src/core/x509.ts (@peculiar/x509) and node:crypto.
 */
import { createHash } from 'node:crypto';
import { DerError, type Tlv, bits, bool, child, children, ctx, octets, oid, oidText, pem, readDer, seq, set, time, timeMs, uint, utf8 } from './der.js';
import { type Ed25519PrivateKey, type Ed25519PublicKey, ed25519PublicKey, ed25519Sign, ed25519Verify } from './ed25519.js';

export const OID_ED25519 = '1.3.101.112';
const OID_CN = '2.5.4.3';
const OID_O = '2.5.4.10';
const OID_BASIC_CONSTRAINTS = '2.5.29.19';
const OID_KEY_USAGE = '2.5.29.15';
const OID_SKI = '2.5.29.14';
const OID_AKI = '2.5.29.35';

const ED25519_ALG = seq(oid(OID_ED25519));
const V3 = ctx(0, true, uint(2));

export interface CertName {
  readonly commonName: string;
  readonly organization?: string;
}

export interface CertExtension {
  readonly oid: string;
  readonly critical: boolean;
  /** The extnValue's content (the DER the OCTET STRING wraps). */
  readonly value: Buffer;
}

export interface CertTemplate {
  /** Positive serial number bytes (at most 20). */
  readonly serial: Buffer;
  readonly issuer: CertName;
  readonly subject: CertName;
  readonly notBeforeMs: number;
  readonly notAfterMs: number;
  /** Raw Ed25519 public key of the subject. */
  readonly subjectPublicKey: Buffer;
  /** Raw Ed25519 public key of the issuer (for the authority key identifier). */
  readonly issuerPublicKey: Buffer;
  /** CA certificate (basicConstraints cA, keyCertSign) or an end entity (digitalSignature). */
  readonly ca: boolean;
  readonly extensions?: readonly CertExtension[];
}

export function encodeName(n: CertName): Buffer {
  const rdns = [set(seq(oid(OID_CN), utf8(n.commonName)))];
  if (n.organization !== undefined) rdns.unshift(set(seq(oid(OID_O), utf8(n.organization))));
  return seq(...rdns);
}

/** RFC 5280 method 1 key identifier: SHA-1 of the public key bits. */
export function keyIdentifier(publicRaw: Buffer): Buffer {
  return createHash('sha1').update(publicRaw).digest();
}

const ext = (e: CertExtension): Buffer => (e.critical ? seq(oid(e.oid), bool(true), octets(e.value)) : seq(oid(e.oid), octets(e.value)));
/** The extensions every certificate carries, encoded once: basicConstraints and keyUsage (keyCertSign|cRLSign or digitalSignature). */
const CA_EXTS = Buffer.concat([
  ext({ oid: OID_BASIC_CONSTRAINTS, critical: true, value: seq(bool(true)) }),
  ext({ oid: OID_KEY_USAGE, critical: true, value: Buffer.from([0x03, 0x02, 0x01, 0x06]) }),
]);
const LEAF_EXTS = Buffer.concat([
  ext({ oid: OID_BASIC_CONSTRAINTS, critical: true, value: seq() }),
  ext({ oid: OID_KEY_USAGE, critical: true, value: Buffer.from([0x03, 0x02, 0x07, 0x80]) }),
]);
const SKI_OID = oid(OID_SKI);
const AKI_OID = oid(OID_AKI);

/** The DER of the TBSCertificate: the constant parts are prebuilt, the rest filled in (key, names, serial, validity, extensions). */
export function buildTbs(t: CertTemplate): Buffer {
  return seq(
    V3,
    uint(t.serial),
    ED25519_ALG,
    encodeName(t.issuer),
    seq(time(t.notBeforeMs), time(t.notAfterMs)),
    encodeName(t.subject),
    seq(ED25519_ALG, bits(t.subjectPublicKey)),
    ctx(
      3,
      true,
      seq(
        t.ca ? CA_EXTS : LEAF_EXTS,
        seq(SKI_OID, octets(octets(keyIdentifier(t.subjectPublicKey)))),
        seq(AKI_OID, octets(seq(ctx(0, false, keyIdentifier(t.issuerPublicKey))))),
        ...(t.extensions ?? []).map(ext),
      ),
    ),
  );
}

/** Build and sign (Ed25519, deterministic) a certificate; returns its DER. */
export function buildCertificate(t: CertTemplate, issuerKey: Ed25519PrivateKey): Buffer {
  const tbs = buildTbs(t);
  return seq(tbs, ED25519_ALG, bits(ed25519Sign(issuerKey, tbs)));
}

/** A serial number from bytes (e.g. a hash): 16 bytes, positive, never zero. */
export function serialFrom(bytes: Buffer): Buffer {
  const s = Buffer.from(bytes.subarray(0, 16));
  s[0] = ((s[0] ?? 0) & 0x7f) | 0x01;
  return s;
}

/** What fleetsim reads from an Ed25519 certificate. */
export interface ParsedCert {
  readonly der: Buffer;
  readonly tbs: Buffer;
  readonly signature: Buffer;
  readonly serialHex: string;
  /** DER of the issuer and subject Names (compare these, not the text). */
  readonly issuerDer: Buffer;
  readonly subjectDer: Buffer;
  readonly subjectCn: string | undefined;
  readonly issuerCn: string | undefined;
  readonly notBeforeMs: number;
  readonly notAfterMs: number;
  /** Raw Ed25519 public key (empty when the key is not Ed25519). */
  readonly publicKey: Buffer;
  readonly extensions: readonly CertExtension[];
}

function commonName(name: Tlv): string | undefined {
  for (const rdn of children(name)) {
    for (const atv of children(rdn)) {
      const [type, value] = children(atv);
      if (type !== undefined && value !== undefined && oidText(type.content) === OID_CN) return value.content.toString('utf8');
    }
  }
  return undefined;
}

/** Parse a certificate's DER; throws a DerError when it is not a v3 certificate this reader understands. */
export function parseCertificate(der: Buffer): ParsedCert {
  const cert = readDer(der);
  const tbs = child(cert, 0, 'tbsCertificate');
  const sigBits = child(cert, 2, 'signature');
  const f = children(tbs);
  if (f[0]?.tag !== 0xa0) throw new DerError('not a v3 certificate');
  const [, serial, , issuer, validity, subject, spki] = f;
  if (serial === undefined || issuer === undefined || validity === undefined || subject === undefined || spki === undefined) throw new DerError('incomplete tbsCertificate');
  const alg = child(child(spki, 0, 'algorithm'), 0, 'algorithm oid');
  const keyBits = child(spki, 1, 'subjectPublicKey').content;
  const extensions: CertExtension[] = [];
  const extsField = f.find((n) => n.tag === 0xa3);
  if (extsField !== undefined) {
    for (const e of children(child(extsField, 0, 'extensions'))) {
      const parts = children(e);
      const id = parts[0];
      const value = parts[parts.length - 1];
      if (id === undefined || value === undefined) throw new DerError('bad extension');
      extensions.push({ oid: oidText(id.content), critical: parts.length === 3 && parts[1]?.content[0] === 0xff, value: value.content });
    }
  }
  return {
    der,
    tbs: tbs.whole,
    signature: sigBits.content.subarray(1),
    serialHex: serial.content.toString('hex'),
    issuerDer: issuer.whole,
    subjectDer: subject.whole,
    subjectCn: commonName(subject),
    issuerCn: commonName(issuer),
    notBeforeMs: timeMs(child(validity, 0, 'notBefore')),
    notAfterMs: timeMs(child(validity, 1, 'notAfter')),
    publicKey: oidText(alg.content) === OID_ED25519 ? keyBits.subarray(1) : Buffer.alloc(0),
    extensions,
  };
}

/** True when `cert` names `issuer` as its issuer and carries a valid Ed25519 signature by `issuerKey`. */
export function signedBy(cert: ParsedCert, issuerSubjectDer: Buffer, issuerKey: Ed25519PublicKey): boolean {
  return cert.issuerDer.equals(issuerSubjectDer) && ed25519Verify(issuerKey, cert.tbs, cert.signature);
}

/** The public key of a parsed Ed25519 certificate. */
export function certPublicKey(cert: ParsedCert): Ed25519PublicKey {
  return ed25519PublicKey(cert.publicKey);
}

/** PEM of a DER certificate, ending in a newline. */
export function certPem(der: Buffer): string {
  return pem('CERTIFICATE', der);
}
