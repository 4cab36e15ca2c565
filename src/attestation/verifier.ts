/**
 * The verifier (RATS: Verifier + Relying Party's credential issuer), pure: a clock and an RNG are injected.
 * `challenge(deviceId)` issues a single-use nonce; `verify(evidence)` checks, in this order: nonce, enrolment,
 * DeviceID certificate (cached once verified, as a real verifier caches an enrolled identity), identity, Alias
 * certificate, signature over the nonce, FWID and log digest against the Alias certificate's TcbInfo, measurements
 * against the reference values, security version / revocation, debug mode; then issues a credential.
 */
import { type ParsedCert, certPublicKey, parseCertificate, signedBy } from '../core/cert-der.js';
import type { Clock } from '../core/clock.js';
import { type Ed25519PublicKey, ed25519Verify } from '../core/ed25519.js';
import type { Rng } from '../core/rng.js';
import { decodeTcbInfo, OID_TCB_INFO, type TcbInfo } from '../devices/secure-os/certs.js';
import { logDigest } from '../devices/secure-os/boot.js';
import { type Evidence, evidenceDigest } from '../devices/secure-os/evidence.js';
import type { ReferenceRelease, ReferenceValues } from '../devices/secure-os/firmware.js';
import { type AttestationCa, sasCredential, x509Credential } from './credentials.js';
import { NonceStore } from './nonces.js';
import {
  type AttestationCounts, type AttestationOutcome, type AttestationPolicy, type Challenge, type Credential, type RefusalReason,
  DEFAULT_POLICY, emptyCounts,
} from './types.js';

export interface VerifierOptions {
  /** The factory CA certificate (DER) every DeviceID certificate must chain to. */
  readonly factoryCaDer: Buffer;
  /** Enrolled device ids. */
  readonly enrolled: ReadonlySet<string> | ((deviceId: string) => boolean);
  readonly referenceValues: ReferenceValues;
  readonly policy?: Partial<AttestationPolicy>;
  /** Per-device overrides of the credential kind and refusal handling (a hub serving several fleets). */
  readonly policyOf?: (deviceId: string) => Partial<Pick<AttestationPolicy, 'credential' | 'onRefusal'>>;
  /** The attestation service's secret (base64): per-device SAS keys are derived from it. */
  readonly serviceKey: string;
  /** The IoT Hub host name SAS credentials are for. */
  readonly hubHost: string;
  /** Required when policy.credential is x509. */
  readonly attestationCa?: AttestationCa;
  readonly clock: Clock;
  readonly rng: Rng;
}

class Refusal {
  constructor(
    readonly reason: RefusalReason,
    readonly message: string,
  ) {}
}

interface EnrolledIdentity {
  readonly der: Buffer;
  readonly cert: ParsedCert;
  readonly key: Ed25519PublicKey;
}

const LAYERS = ['rom', 'bootloader', 'os', 'app'] as const;

export class Verifier {
  readonly policy: AttestationPolicy;
  private readonly nonces: NonceStore;
  private readonly factory: ParsedCert;
  private readonly factoryKey: Ed25519PublicKey;
  private readonly isEnrolled: (deviceId: string) => boolean;
  private readonly releases = new Map<string, ReferenceRelease>();
  private readonly identities = new Map<string, EnrolledIdentity>();
  private readonly counters: AttestationCounts = emptyCounts();

  constructor(private readonly o: VerifierOptions) {
    this.policy = { ...DEFAULT_POLICY, ...o.policy };
    if ((this.policy.credential === 'x509' || o.policyOf !== undefined) && o.attestationCa === undefined) throw new Error('X.509 credentials need an attestation CA');
    this.nonces = new NonceStore(this.policy.nonceTtlMs, o.rng);
    this.factory = parseCertificate(o.factoryCaDer);
    this.factoryKey = certPublicKey(this.factory);
    const enrolled = o.enrolled;
    this.isEnrolled = typeof enrolled === 'function' ? enrolled : (id) => enrolled.has(id);
    for (const r of o.referenceValues.releases) this.releases.set(r.digest.toString('hex'), r);
  }

  challenge(deviceId: string): Challenge {
    this.counters.challenges++;
    return this.nonces.issue(deviceId, this.o.clock.now());
  }

  verify(evidence: Evidence): AttestationOutcome {
    this.counters.attestations++;
    let aliasKey: Buffer;
    try {
      aliasKey = this.check(evidence);
    } catch (e) {
      if (!(e instanceof Refusal)) throw e;
      this.counters.refused[e.reason] = (this.counters.refused[e.reason] ?? 0) + 1;
      if ((this.o.policyOf?.(evidence.deviceId).onRefusal ?? this.policy.onRefusal) !== 'quarantine') return { ok: false, reason: e.reason, message: e.message };
      this.counters.credentials.quarantine++;
      return { ok: false, reason: e.reason, message: e.message, quarantine: this.sas(evidence.deviceId, 'update-only') };
    }
    this.counters.passed++;
    const credential: Credential =
      (this.o.policyOf?.(evidence.deviceId).credential ?? this.policy.credential) === 'x509' && this.o.attestationCa !== undefined
        ? x509Credential({ ca: this.o.attestationCa, deviceId: evidence.deviceId, aliasPublic: aliasKey, serial: this.randomBytes(16), nowMs: this.o.clock.now(), ttlMs: this.policy.credentialTtlMs })
        : this.sas(evidence.deviceId, 'full');
    this.counters.credentials[credential.kind]++;
    return { ok: true, credential };
  }

  /** Drop the cached DeviceID identity of a device that will not attest again (virtual time, device by device). */
  forget(deviceId: string): void {
    this.identities.delete(deviceId);
  }

  /** Counters so far (a copy). */
  counts(): AttestationCounts {
    return structuredClone(this.counters);
  }

  private sas(deviceId: string, scope: 'full' | 'update-only'): Credential {
    return sasCredential({ serviceKey: this.o.serviceKey, hubHost: this.o.hubHost, deviceId, nowMs: this.o.clock.now(), ttlMs: this.policy.credentialTtlMs, scope });
  }

  private randomBytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.o.rng.int(256);
    return b;
  }

  private check(ev: Evidence): Buffer {
    const now = this.o.clock.now();
    const id = ev.deviceId;
    const nonce = this.nonces.take(ev.nonce, id, now);
    if (nonce === 'unknown') throw new Refusal('NONCE_UNKNOWN', `nonce ${ev.nonce} was not issued to ${id} by this verifier, or was already used`);
    if (nonce === 'expired') throw new Refusal('NONCE_EXPIRED', `nonce ${ev.nonce} expired (lifetime ${this.policy.nonceTtlMs} ms)`);
    if (!this.isEnrolled(id)) throw new Refusal('UNKNOWN_DEVICE', `device ${id} is not enrolled`);
    const [aliasDer, deviceIdDer] = ev.chain;
    if (ev.chain.length !== 2 || aliasDer === undefined || deviceIdDer === undefined) throw new Refusal('CHAIN_INVALID', `the chain must be [Alias, DeviceID], got ${ev.chain.length} certificates`);

    const identity = this.deviceIdentity(id, deviceIdDer, now);
    if (identity.cert.subjectCn !== id) throw new Refusal('IDENTITY_MISMATCH', `the DeviceID certificate names ${identity.cert.subjectCn ?? '(no CN)'}, not ${id}`);
    const alias = parse(aliasDer, 'Alias');
    if (alias.subjectCn !== id) throw new Refusal('IDENTITY_MISMATCH', `the Alias certificate names ${alias.subjectCn ?? '(no CN)'}, not ${id}`);
    if (!signedBy(alias, identity.cert.subjectDer, identity.key)) throw new Refusal('CHAIN_INVALID', `the Alias certificate of ${id} is not signed by its DeviceID key`);
    if (!within(alias, now)) throw new Refusal('CHAIN_INVALID', `the Alias certificate of ${id} is outside its validity`);

    let aliasPublic: Ed25519PublicKey;
    try {
      aliasPublic = certPublicKey(alias);
    } catch {
      throw new Refusal('CHAIN_INVALID', `the Alias certificate of ${id} has no Ed25519 key`);
    }
    if (!ed25519Verify(aliasPublic, evidenceDigest(ev.nonce, ev.fwid, ev.measurements), ev.signature)) {
      throw new Refusal('SIGNATURE_INVALID', `the evidence signature of ${id} does not verify with its Alias key`);
    }

    const tcb = tcbOf(alias, id);
    const app = ev.measurements[3];
    if (!tcb.fwid.equals(ev.fwid)) throw new Refusal('FWID_MISMATCH', `${id}: the Alias certificate's FWID ${hex(tcb.fwid)} differs from the evidence's ${hex(ev.fwid)}`);
    if (app === undefined || app.layer !== 'app' || !app.digest.equals(ev.fwid)) throw new Refusal('FWID_MISMATCH', `${id}: the measurement log's application digest differs from the FWID`);
    if (!tcb.logDigest.equals(logDigest(ev.measurements))) throw new Refusal('FWID_MISMATCH', `${id}: the measurement log differs from the one the Alias certificate was made for`);

    const appRelease = this.checkMeasurements(ev, id);
    if (appRelease.revoked) throw new Refusal('SVN_REVOKED', `${id} runs ${appRelease.name} ${appRelease.version}, a revoked release`);
    if (appRelease.svn < this.policy.minSvn) throw new Refusal('SVN_REVOKED', `${id} runs ${appRelease.name} ${appRelease.version} (svn ${appRelease.svn}), below the minimum svn ${this.policy.minSvn}`);
    if ((tcb.debug || ev.debug) && !this.policy.allowDebug) throw new Refusal('DEBUG_MODE', `${id} booted in debug mode`);
    return alias.publicKey;
  }

  private checkMeasurements(ev: Evidence, id: string): ReferenceRelease {
    const platform = this.o.referenceValues.platform;
    if (ev.measurements.length !== LAYERS.length) throw new Refusal('MEASUREMENT_UNKNOWN', `${id}: the log has ${ev.measurements.length} entries, expected ${LAYERS.length}`);
    for (let i = 0; i < LAYERS.length; i++) {
      const m = ev.measurements[i];
      if (m === undefined || m.layer !== LAYERS[i]) throw new Refusal('MEASUREMENT_UNKNOWN', `${id}: log entry ${i} is not the ${LAYERS[i] ?? '?'} layer`);
      const ref = platform[i];
      if (ref !== undefined && !ref.digest.equals(m.digest)) throw new Refusal('MEASUREMENT_UNKNOWN', `${id}: ${m.layer} ${m.component} ${m.version} digest ${hex(m.digest)} is not a reference value`);
    }
    const release = this.releases.get(ev.fwid.toString('hex'));
    const app = ev.measurements[3];
    if (release === undefined) throw new Refusal('MEASUREMENT_UNKNOWN', `${id}: application ${app?.component ?? '?'} ${app?.version ?? '?'} digest ${hex(ev.fwid)} is not a reference value`);
    return release;
  }

  /**
   * The DeviceID certificate's parsed form and key: verified against the factory CA once, then cached per device id
   * while the device presents the same certificate.
   */
  private deviceIdentity(id: string, der: Buffer, now: number): EnrolledIdentity {
    let identity = this.identities.get(id);
    if (identity === undefined || !identity.der.equals(der)) {
      const cert = parse(der, 'DeviceID');
      if (!cert.issuerDer.equals(this.factory.subjectDer)) throw new Refusal('UNKNOWN_DEVICE', `the DeviceID certificate of ${cert.subjectCn ?? '?'} was not issued by the factory CA (issuer ${cert.issuerCn ?? '?'})`);
      if (!signedBy(cert, this.factory.subjectDer, this.factoryKey)) throw new Refusal('CHAIN_INVALID', `the DeviceID certificate of ${cert.subjectCn ?? '?'} does not carry a valid factory CA signature`);
      let key: Ed25519PublicKey;
      try {
        key = certPublicKey(cert);
      } catch {
        throw new Refusal('CHAIN_INVALID', 'the DeviceID certificate has no Ed25519 key');
      }
      identity = { der: Buffer.from(der), cert, key };
      if (cert.subjectCn === id) this.identities.set(id, identity);
    }
    if (!within(identity.cert, now)) throw new Refusal('CHAIN_INVALID', `the DeviceID certificate of ${identity.cert.subjectCn ?? '?'} is outside its validity`);
    return identity;
  }
}

function parse(der: Buffer, what: string): ParsedCert {
  try {
    return parseCertificate(der);
  } catch (e) {
    throw new Refusal('CHAIN_INVALID', `the ${what} certificate is not valid DER: ${(e as Error).message}`);
  }
}

function tcbOf(alias: ParsedCert, id: string): TcbInfo {
  const ext = alias.extensions.find((e) => e.oid === OID_TCB_INFO);
  if (ext === undefined) throw new Refusal('FWID_MISMATCH', `${id}: the Alias certificate carries no TcbInfo (FWID)`);
  try {
    return decodeTcbInfo(ext.value);
  } catch (e) {
    throw new Refusal('FWID_MISMATCH', `${id}: the Alias certificate's TcbInfo is malformed: ${(e as Error).message}`);
  }
}

function within(c: ParsedCert, now: number): boolean {
  return c.notBeforeMs <= now && now <= c.notAfterMs;
}

const hex = (b: Buffer): string => b.toString('hex').slice(0, 16) + '…';
