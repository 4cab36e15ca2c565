/**
 * DPS enrollments (reference §3): an ID scope, individual enrollments (one registration id, its own symmetric keys,
 * or X.509: its certificate's thumbprints) and group enrollments (a group key, each device's key being
 * HMAC-SHA256(groupKey, registrationId); or X.509: a CA the devices' leaves chain to, registration id = CN).
 * Pure: no clock needed, no sockets. Matching a device to its enrollment is by key, as DPS does it: the individual
 * enrollment of the registration id wins; otherwise the group whose derived key signed the token.
 */
import { X509Certificate } from 'node:crypto';
import { chainAnchor, commonNameOf, thumbprints } from '../../core/x509.js';
import { deriveDeviceKey } from '../../iothub/index.js';
import type { JsonObject } from '../iothub/json.js';

export type EnrollmentStatus = 'enabled' | 'disabled';

export interface IndividualEnrollmentInput {
  readonly registrationId: string;
  readonly primaryKey: string;
  /** Default: the primary key. */
  readonly secondaryKey?: string;
  /** The device id to create in the hub; default: the registration id. */
  readonly deviceId?: string;
  /** Desired properties of the device's initial twin. */
  readonly initialDesired?: JsonObject;
  readonly status?: EnrollmentStatus;
}

export interface GroupEnrollmentInput {
  readonly name: string;
  readonly primaryKey: string;
  /** Default: the primary key. */
  readonly secondaryKey?: string;
  readonly initialDesired?: JsonObject;
  readonly status?: EnrollmentStatus;
}

export interface IndividualEnrollment {
  readonly kind: 'individual';
  readonly registrationId: string;
  /** X.509 attestation: thumbprints (SHA-1 or SHA-256, uppercase) of the device certificate(s); keys are then ''. */
  readonly x509Thumbprints?: readonly string[];
  readonly primaryKey: string;
  readonly secondaryKey: string;
  readonly deviceId: string | undefined;
  readonly initialDesired: JsonObject | undefined;
  status: EnrollmentStatus;
}

export interface GroupEnrollment {
  readonly kind: 'group';
  readonly name: string;
  /** X.509 attestation: the root or intermediate CA (PEM) the devices' leaves chain to; keys are then ''. */
  readonly x509Ca?: string;
  readonly primaryKey: string;
  readonly secondaryKey: string;
  readonly initialDesired: JsonObject | undefined;
  status: EnrollmentStatus;
}

export type Enrollment = IndividualEnrollment | GroupEnrollment;

/** The symmetric keys one registration id may sign with under one enrollment. */
export interface Attestation {
  readonly enrollment: Enrollment;
  /** For a group: the keys derived for this registration id ('' under X.509 attestation). */
  readonly primaryKey: string;
  readonly secondaryKey: string;
  /** X.509 attestation: the SHA-256 thumbprint of the device's leaf certificate. */
  readonly certificateThumbprint?: string;
}

export interface X509EnrollmentOptions {
  readonly deviceId?: string;
  readonly initialDesired?: JsonObject;
  readonly status?: EnrollmentStatus;
}

export type X509AttestResult = { ok: true; attestation: Attestation } | { ok: false; reason: 'unknown-enrollment' | 'disabled' | 'no-certificate' | 'untrusted-certificate' };

/** Registration ids: alphanumerics and `-._:`, up to 128 characters (DPS documents lowercase alphanumerics and `-`). */
const REGISTRATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** An ID scope as DPS prints them: `0ne` + 8 upper-case hex digits (e.g. `0ne0000F1EE`). */
const ID_SCOPE = /^0ne[0-9A-F]{8}$/;

export function isRegistrationId(id: string): boolean {
  return REGISTRATION_ID.test(id);
}

export function isIdScope(scope: string): boolean {
  return ID_SCOPE.test(scope);
}

/** A symmetric key: base64 of 16–64 bytes (§3). */
function checkKey(key: string, what: string): string {
  const bytes = Buffer.from(key, 'base64');
  if (bytes.length < 16 || bytes.length > 64 || bytes.toString('base64') !== key) {
    throw new RangeError(`${what}: a symmetric key is base64 of 16 to 64 bytes`);
  }
  return key;
}

export class Enrollments {
  private readonly individuals = new Map<string, IndividualEnrollment>();
  private readonly groups = new Map<string, GroupEnrollment>();

  constructor(readonly idScope: string) {
    if (!isIdScope(idScope)) throw new RangeError(`ID scope ${JSON.stringify(idScope)}: expected 0ne + 8 hex digits, e.g. 0ne0000F1EE`);
  }

  /** Create or replace the individual enrollment of a registration id. */
  addIndividual(input: IndividualEnrollmentInput): IndividualEnrollment {
    if (!isRegistrationId(input.registrationId)) throw new RangeError(`registration id ${JSON.stringify(input.registrationId)} is not valid`);
    const e: IndividualEnrollment = {
      kind: 'individual',
      registrationId: input.registrationId,
      primaryKey: checkKey(input.primaryKey, input.registrationId),
      secondaryKey: checkKey(input.secondaryKey ?? input.primaryKey, input.registrationId),
      deviceId: input.deviceId,
      initialDesired: input.initialDesired,
      status: input.status ?? 'enabled',
    };
    this.individuals.set(e.registrationId, e);
    return e;
  }

  /** Create or replace a symmetric-key group enrollment. */
  addGroup(input: GroupEnrollmentInput): GroupEnrollment {
    if (input.name === '') throw new RangeError('a group enrollment needs a name');
    const g: GroupEnrollment = {
      kind: 'group',
      name: input.name,
      primaryKey: checkKey(input.primaryKey, input.name),
      secondaryKey: checkKey(input.secondaryKey ?? input.primaryKey, input.name),
      initialDesired: input.initialDesired,
      status: input.status ?? 'enabled',
    };
    this.groups.set(g.name, g);
    return g;
  }

  /** An individual enrollment with X.509 attestation: the device certificate's thumbprint(s). */
  addX509Individual(registrationId: string, certThumbprints: readonly string[], o: X509EnrollmentOptions = {}): IndividualEnrollment {
    if (!isRegistrationId(registrationId)) throw new RangeError(`registration id ${JSON.stringify(registrationId)} is not valid`);
    if (certThumbprints.length === 0 || certThumbprints.some((t) => !/^[0-9A-Fa-f]{40}$|^[0-9A-Fa-f]{64}$/.test(t))) {
      throw new RangeError(`${registrationId}: X.509 thumbprints are 40 (SHA-1) or 64 (SHA-256) hex digits`);
    }
    const e: IndividualEnrollment = {
      kind: 'individual',
      registrationId,
      x509Thumbprints: certThumbprints.map((t) => t.toUpperCase()),
      primaryKey: '',
      secondaryKey: '',
      deviceId: o.deviceId,
      initialDesired: o.initialDesired,
      status: o.status ?? 'enabled',
    };
    this.individuals.set(registrationId, e);
    return e;
  }

  /** A group enrollment with X.509 attestation: devices whose leaf (CN = registration id) chains to `caPem`. */
  addX509Group(name: string, caPem: string, o: Omit<X509EnrollmentOptions, 'deviceId'> = {}): GroupEnrollment {
    if (name === '') throw new RangeError('a group enrollment needs a name');
    new X509Certificate(caPem); // throws on a bad certificate
    const g: GroupEnrollment = { kind: 'group', name, x509Ca: caPem, primaryKey: '', secondaryKey: '', initialDesired: o.initialDesired, status: o.status ?? 'enabled' };
    this.groups.set(name, g);
    return g;
  }

  /**
   * X.509 attestation of a registration (leaf first, DER, as presented in TLS): its individual X.509 enrollment by
   * thumbprint, else an X.509 group whose CA the chain reaches with CN = registration id.
   */
  attestX509(registrationId: string, chain: readonly Buffer[], nowMs: number): X509AttestResult {
    const leaf = chain[0];
    if (leaf === undefined) return { ok: false, reason: 'no-certificate' };
    const { sha1, sha256 } = thumbprints(leaf);
    const found = (e: Enrollment): X509AttestResult =>
      e.status === 'enabled' ? { ok: true, attestation: { enrollment: e, primaryKey: '', secondaryKey: '', certificateThumbprint: sha256 } } : { ok: false, reason: 'disabled' };
    const own = this.individuals.get(registrationId);
    if (own !== undefined) {
      if (own.x509Thumbprints === undefined) return { ok: false, reason: 'unknown-enrollment' };
      return own.x509Thumbprints.includes(sha1) || own.x509Thumbprints.includes(sha256) ? found(own) : { ok: false, reason: 'untrusted-certificate' };
    }
    const cert = new X509Certificate(leaf);
    if (commonNameOf(cert.subject) !== registrationId) return { ok: false, reason: 'untrusted-certificate' };
    for (const g of this.groups.values()) {
      if (g.x509Ca !== undefined && chainAnchor(chain, [g.x509Ca], nowMs) === 0) return found(g);
    }
    return { ok: false, reason: 'untrusted-certificate' };
  }

  individual(registrationId: string): IndividualEnrollment | undefined {
    return this.individuals.get(registrationId);
  }

  group(name: string): GroupEnrollment | undefined {
    return this.groups.get(name);
  }

  /** Enable or disable an enrollment; false when there is none of that kind and name. */
  setStatus(kind: 'individual' | 'group', nameOrRegistrationId: string, status: EnrollmentStatus): boolean {
    const e = kind === 'individual' ? this.individuals.get(nameOrRegistrationId) : this.groups.get(nameOrRegistrationId);
    if (e === undefined) return false;
    e.status = status;
    return true;
  }

  remove(kind: 'individual' | 'group', nameOrRegistrationId: string): boolean {
    return kind === 'individual' ? this.individuals.delete(nameOrRegistrationId) : this.groups.delete(nameOrRegistrationId);
  }

  /**
   * The enrollments a registration id may attest against, in the order DPS tries them: its individual enrollment
   * alone when there is one (it takes precedence over any group), else every group with the derived keys.
   * Disabled enrollments are included: the caller refuses them after the signature matched.
   */
  candidates(registrationId: string): Attestation[] {
    const own = this.individuals.get(registrationId);
    if (own !== undefined) return own.x509Thumbprints === undefined ? [{ enrollment: own, primaryKey: own.primaryKey, secondaryKey: own.secondaryKey }] : [];
    if (!isRegistrationId(registrationId)) return [];
    return [...this.groups.values()].filter((g) => g.x509Ca === undefined).map((g) => ({
      enrollment: g,
      primaryKey: deriveDeviceKey(g.primaryKey, registrationId),
      secondaryKey: deriveDeviceKey(g.secondaryKey, registrationId),
    }));
  }
}

/** Name of an enrollment for logs and stats: `individual:{registrationId}` or `group:{name}`. */
export function enrollmentName(e: Enrollment): string {
  return e.kind === 'individual' ? `individual:${e.registrationId}` : `group:${e.name}`;
}
