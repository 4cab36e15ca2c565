/**
 * The one import site of @peculiar/x509 (on Node's webcrypto): X.509 certificates for the embedded hub's TLS and for
 * device identities. ECDSA P-256 keys and SHA-256 signatures (fast to make: a device certificate costs well under a
 * millisecond). Generic on purpose: a root CA, server certificates, device leaf certificates issued by a CA, self-signed
 * device certificates, thumbprints as IoT Hub shows them, PEM in and out. Parsing and checks that Node does itself
 * (chains, fingerprints of a peer certificate) stay in node:crypto / node:tls.
 *
 * Key material is random (webcrypto generates it); only names and lifetimes are chosen by the caller.
 */
import 'reflect-metadata';
import { X509Certificate as NodeX509, createHash, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

/** A certificate and its private key, both PEM (the key as PKCS#8 `PRIVATE KEY`). */
export interface CertKeyPair {
  readonly cert: string;
  readonly key: string;
}

export interface IssueOptions {
  /** Common name of the subject (a device's CN is its device id). */
  readonly commonName: string;
  /** Validity from now (minus an hour of clock skew); default 365 days. */
  readonly days?: number;
  /** Injected for tests; default the wall clock. */
  readonly now?: Date;
}

export interface ServerCertOptions extends IssueOptions {
  /** DNS names and IP addresses the certificate is valid for (subjectAltName). */
  readonly altNames: readonly string[];
}

const IP_RE = /^(\d{1,3}\.){3}\d{1,3}$|:/;

function validity(o: IssueOptions, defaultDays: number): { notBefore: Date; notAfter: Date } {
  const now = (o.now ?? new Date()).getTime();
  return { notBefore: new Date(now - 3_600_000), notAfter: new Date(now + (o.days ?? defaultDays) * DAY_MS) };
}

/** A positive 16-byte serial number (high bit clear, so DER needs no sign byte). */
function serial(): string {
  const b = randomBytes(16);
  b[0] = (b[0] as number) & 0x7f | 0x01;
  return b.toString('hex');
}

async function newKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function keyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return pemText(x509.PemConverter.encode(der, 'PRIVATE KEY'));
}

/** PEM text ending in a newline, so certificates concatenate into a valid chain. */
function pemText(pem: string): string {
  const unix = pem.replace(/\r\n/g, '\n');
  return unix.endsWith('\n') ? unix : `${unix}\n`;
}

async function importKey(pem: string): Promise<CryptoKey> {
  const der = x509.PemConverter.decodeFirst(pem);
  return webcrypto.subtle.importKey('pkcs8', der, ALG, true, ['sign']);
}

function dn(commonName: string): string {
  // An RFC 4514 string: escape what would split it.
  return `CN=${commonName.replace(/([,+"\\<>;=])/g, '\\$1')}`;
}

/** A self-signed root CA (basicConstraints CA, keyCertSign), default 10 years. */
export async function createRootCa(o: IssueOptions): Promise<CertKeyPair> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: dn(o.commonName),
    ...validity(o, 3650),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: pemText(cert.toString('pem')), key: await keyPem(keys.privateKey) };
}

/** An intermediate CA issued by `parent` (basicConstraints CA, keyCertSign), default 5 years. */
export async function issueIntermediateCa(parent: CertKeyPair, o: IssueOptions): Promise<CertKeyPair> {
  const [keys, signer] = await Promise.all([newKeys(), signerOf(parent)]);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: dn(o.commonName),
    issuer: signer.caCert.subject,
    ...validity(o, 1825),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: signer.key,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      signer.aki,
    ],
  });
  return { cert: pemText(cert.toString('pem')), key: await keyPem(keys.privateKey) };
}

/** A TLS server certificate issued by `ca`, valid for `altNames` (DNS names or IP addresses); default 365 days. */
export function issueServerCert(ca: CertKeyPair, o: ServerCertOptions): Promise<CertKeyPair> {
  const san = o.altNames.map((n) => ({ type: IP_RE.test(n) ? ('ip' as const) : ('dns' as const), value: n }));
  return issue(ca, o, 365, [new x509.SubjectAlternativeNameExtension(san), new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth])]);
}

/** A client (device) certificate issued by `ca`, subject CN = commonName (IoT Hub: the device id); default 365 days. */
export function issueClientCert(ca: CertKeyPair, o: IssueOptions): Promise<CertKeyPair> {
  return issue(ca, o, 365, [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])]);
}

/** A self-signed client certificate with CN = commonName (IoT Hub's "self-signed" device authentication). */
export async function createSelfSignedClientCert(o: IssueOptions): Promise<CertKeyPair> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: dn(o.commonName),
    ...validity(o, 365),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
    ],
  });
  return { cert: pemText(cert.toString('pem')), key: await keyPem(keys.privateKey) };
}

/** A CA ready to sign many certificates: its certificate parsed and its key imported once. */
interface Signer {
  readonly caCert: x509.X509Certificate;
  readonly key: CryptoKey;
  readonly aki: x509.AuthorityKeyIdentifierExtension;
}
const signers = new WeakMap<CertKeyPair, Promise<Signer>>();

function signerOf(ca: CertKeyPair): Promise<Signer> {
  let s = signers.get(ca);
  if (s === undefined) {
    const caCert = new x509.X509Certificate(ca.cert);
    s = Promise.all([importKey(ca.key), x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey)]).then(([key, aki]) => ({ caCert, key, aki }));
    signers.set(ca, s);
  }
  return s;
}

async function issue(ca: CertKeyPair, o: IssueOptions, defaultDays: number, extra: x509.Extension[]): Promise<CertKeyPair> {
  const [keys, signer] = await Promise.all([newKeys(), signerOf(ca)]);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: dn(o.commonName),
    issuer: signer.caCert.subject,
    ...validity(o, defaultDays),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: signer.key,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
      signer.aki,
      ...extra,
    ],
  });
  return { cert: pemText(cert.toString('pem')), key: await keyPem(keys.privateKey) };
}

/** Thumbprints as IoT Hub shows them: uppercase hex of the SHA-1 / SHA-256 digest of the DER certificate. */
export interface Thumbprints {
  readonly sha1: string;
  readonly sha256: string;
}

/** Thumbprints of a PEM certificate (the first one in the text) or a DER buffer. */
export function thumbprints(cert: string | Buffer): Thumbprints {
  const der = typeof cert === 'string' ? derOf(cert) : cert;
  return {
    sha1: createHash('sha1').update(der).digest('hex').toUpperCase(),
    sha256: createHash('sha256').update(der).digest('hex').toUpperCase(),
  };
}

/** DER bytes of the first certificate in a PEM text. */
export function derOf(pem: string): Buffer {
  return Buffer.from(x509.PemConverter.decodeFirst(pem));
}

/** Every certificate in a PEM text (a chain or a bundle), each as its own PEM block. */
export function splitPem(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/** What a certificate says about itself, read with node:crypto. */
export interface CertInfo {
  readonly commonName: string | undefined;
  readonly notAfterMs: number;
  /** subjectAltName entries, e.g. DNS:localhost, IP Address:127.0.0.1. */
  readonly altNames: readonly string[];
}

export function certInfo(pem: string | Buffer): CertInfo {
  const c = new NodeX509(pem);
  return {
    commonName: commonNameOf(c.subject),
    notAfterMs: Date.parse(c.validTo),
    altNames: (c.subjectAltName ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''),
  };
}

/** The CN of a node:crypto subject string ("CN=dev-1\nO=…"). */
export function commonNameOf(subject: string): string | undefined {
  for (const line of subject.split('\n')) if (line.startsWith('CN=')) return line.slice(3);
  return undefined;
}

/** True when `cert` was signed by `ca` (issuer name and signature; node:crypto). */
export function issuedBy(cert: string | Buffer, ca: string | Buffer): boolean {
  const c = new NodeX509(cert);
  const issuer = new NodeX509(ca);
  return c.checkIssued(issuer) && c.verify(issuer.publicKey);
}

/**
 * The trust anchor `chain` (leaf first, DER or PEM, as a TLS peer presented it) leads to: the leaf's issuer chain is
 * followed through the presented certificates until one of them is issued (and signed) by an anchor, or is an anchor
 * itself. Returns the anchor's index, or -1. Validity dates are checked on every certificate of the path at `nowMs`.
 */
export function chainAnchor(chain: ReadonlyArray<string | Buffer>, anchors: ReadonlyArray<string | Buffer>, nowMs: number): number {
  const certs = chain.map((c) => new NodeX509(c));
  const roots = anchors.map((a) => new NodeX509(a));
  const valid = (c: NodeX509): boolean => Date.parse(c.validFrom) <= nowMs && nowMs <= Date.parse(c.validTo);
  let current = certs[0];
  const used = new Set<NodeX509>();
  while (current !== undefined && valid(current) && !used.has(current)) {
    used.add(current);
    const cur = current;
    const exact = roots.findIndex((r) => r.fingerprint256 === cur.fingerprint256);
    if (exact >= 0 && used.size > 1) return exact; // the peer sent the anchor itself at the top of its chain
    const anchor = roots.findIndex((r) => valid(r) && cur.checkIssued(r) && cur.verify(r.publicKey));
    if (anchor >= 0) return anchor;
    current = certs.find((c) => !used.has(c) && cur.checkIssued(c) && cur.verify(c.publicKey));
  }
  return -1;
}

/** What @peculiar/x509 reads from a certificate (an independent parser, for tests and tools). */
export interface CertDescription {
  readonly subject: string;
  readonly issuer: string;
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The public key algorithm's name, e.g. Ed25519, ECDSA. */
  readonly keyAlgorithm: string;
  readonly extensions: ReadonlyArray<{ readonly oid: string; readonly critical: boolean; readonly value: Buffer }>;
  /** basicConstraints cA, when present. */
  readonly ca: boolean | undefined;
}

/** Parse a DER or PEM certificate with @peculiar/x509. Throws when it is not a valid X.509 certificate. */
export function describeCertificate(cert: Buffer | string): CertDescription {
  const c = new x509.X509Certificate(cert);
  const bc = c.getExtension(x509.BasicConstraintsExtension);
  return {
    subject: c.subject,
    issuer: c.issuer,
    serialNumber: c.serialNumber,
    notBefore: c.notBefore,
    notAfter: c.notAfter,
    keyAlgorithm: c.publicKey.algorithm.name,
    extensions: c.extensions.map((e) => ({ oid: e.type, critical: e.critical, value: Buffer.from(e.value) })),
    ca: bc?.ca,
  };
}

/** True when `cert`'s signature verifies with `issuer`'s public key (@peculiar/x509 on webcrypto). */
export async function verifyCertificateSignature(cert: Buffer | string, issuer: Buffer | string): Promise<boolean> {
  const c = new x509.X509Certificate(cert);
  return c.verify({ publicKey: new x509.X509Certificate(issuer), signatureOnly: true });
}
