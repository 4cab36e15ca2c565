/**
 * The DPS protocol without MQTT (reference §3): attestation of a registration's SAS token against its enrollment,
 * then the register → 202 assigning → poll → 200 assigned flow, every answer a status, a JSON body (trap §0.7) and
 * for 202 a `retry-after`. Pure: clock and ids injected; assignment in the hub is a callback.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import { dpsResource, verifySasToken } from '../../iothub/index.js';
import { type JsonObject, type JsonValue, isJsonObject, isoMs } from '../iothub/json.js';
import { type Attestation, type Enrollment, type EnrollmentStatus, Enrollments, enrollmentName } from './enrollments.js';
import { type RegistrationState, Registrations } from './registrations.js';

/** What the hub side learns of an assignment; the device's hub key is the symmetric key it attested with. */
export interface AssignmentDetails {
  readonly enrollment: Enrollment;
  /** Both keys of the registration (for a group: derived), for a hub identity with a primary and secondary key. */
  readonly primaryKey: string;
  readonly secondaryKey: string;
  /** Initial twin desired properties of the enrollment. */
  readonly initialDesired: JsonObject | undefined;
  /** X.509 attestation: the SHA-256 thumbprint of the device's certificate. */
  readonly certificateThumbprint?: string;
}

/**
 * Create or update the device in the hub. `key` is the key the device signed its DPS token with: it builds its hub
 * connection string from it. Throwing fails the registration (status failed, errorCode from `err.errorCode`).
 */
export type Assign = (registrationId: string, deviceId: string, key: string, details: AssignmentDetails) => void;

export interface DpsServiceOptions {
  readonly idScope: string;
  /** The hub host name returned as assignedHub, e.g. fleetsim.azure-devices.net. */
  readonly assignedHub: string;
  readonly clock: Clock;
  readonly assign: Assign;
  /** Polls answered 202 assigning before the one that assigns (default 0: the first poll assigns). */
  readonly pollsBeforeAssigned?: number;
  /** `retry-after` of 202 answers, in seconds (DPS sends 3; default 3). */
  readonly retryAfterS?: number;
  /** Tracking ids and operation-id suffixes (default crypto.randomUUID). */
  readonly newId?: () => string;
  /** Share existing enrollments (default: a new, empty set for idScope). */
  readonly enrollments?: Enrollments;
}

export interface DpsResponse {
  readonly status: number;
  readonly body: string;
  readonly retryAfterS?: number;
}

export type AttestResult =
  | { ok: true; attestation: Attestation; key: string; expiry: number }
  | { ok: false; reason: 'unknown-enrollment' | 'disabled' | 'malformed' | 'expired' | 'wrong-resource' | 'bad-signature' };

/** DPS error codes used here (six digits, first three the HTTP status). 404201 is our choice for an unknown operation. */
export const DpsErrorCode = { badRequest: 400004, unauthorized: 401002, operationNotFound: 404201, assignmentFailed: 500000 } as const;

interface Operation {
  readonly operationId: string;
  readonly registrationId: string;
  readonly attestation: Attestation;
  readonly key: string;
  readonly payload: JsonValue | undefined;
  pollsLeft: number;
  state: RegistrationState | undefined;
}

export class DpsService {
  readonly enrollments: Enrollments;
  readonly registrations: Registrations;
  /** The current operation of each registration id (a new register replaces it). */
  private readonly operations = new Map<string, Operation>();
  /** Which enrollment (enrollmentName) each registration record came from. */
  private readonly enrolledBy = new Map<string, string>();
  private readonly opPrefix: string;
  private readonly newId: () => string;

  constructor(private readonly o: DpsServiceOptions) {
    this.enrollments = o.enrollments ?? new Enrollments(o.idScope);
    if (this.enrollments.idScope !== o.idScope) throw new RangeError('the enrollments belong to another ID scope');
    this.registrations = new Registrations(o.clock);
    this.newId = o.newId ?? randomUUID;
    // Real operation ids look like 4.dd5e9d546d057f12.8a2a1010-281f-…: a fixed middle part per instance, then a GUID.
    this.opPrefix = `4.${createHash('sha256').update(o.idScope).digest('hex').slice(0, 16)}.`;
  }

  get idScope(): string {
    return this.o.idScope;
  }

  /**
   * Verify a DPS SAS (resource `{idScope}/registrations/{regId}`, any sr encoding, trap §0.3) against the
   * registration's individual enrollment, or else each group's derived keys; disabled enrollments are refused.
   */
  attest(registrationId: string, token: string, nowS: number): AttestResult {
    const candidates = this.enrollments.candidates(registrationId);
    if (candidates.length === 0) return { ok: false, reason: 'unknown-enrollment' };
    const resource = dpsResource(this.o.idScope, registrationId);
    for (const c of candidates) {
      for (const key of new Set([c.primaryKey, c.secondaryKey])) {
        const check = verifySasToken(token, { resource, keyBase64: key, nowS });
        if (check.ok) return c.enrollment.status === 'enabled' ? { ok: true, attestation: c, key, expiry: check.expiry } : { ok: false, reason: 'disabled' };
        if (check.reason !== 'bad-signature') return check; // malformed, wrong resource or expired: no key can fix it
      }
    }
    return { ok: false, reason: 'bad-signature' };
  }

  /** PUT iotdps-register: body `{"registrationId":…,"payload":…}` → 202 `{operationId, status:"assigning"}`. */
  register(registrationId: string, attest: { attestation: Attestation; key: string }, body: Buffer): DpsResponse {
    let request: unknown;
    try {
      request = JSON.parse(body.toString('utf8'));
    } catch {
      return this.error(DpsErrorCode.badRequest, 'The request body is not valid JSON.');
    }
    if (!isJsonObject(request)) return this.error(DpsErrorCode.badRequest, 'The request body must be a JSON object.');
    if (request.registrationId !== registrationId) {
      return this.error(DpsErrorCode.badRequest, 'The registration id in the request body does not match the authenticated registration id.');
    }
    if (attest.attestation.enrollment.status !== 'enabled') return this.error(DpsErrorCode.unauthorized, 'The enrollment is disabled.');
    const op: Operation = {
      operationId: this.opPrefix + this.newId(),
      registrationId,
      attestation: attest.attestation,
      key: attest.key,
      payload: request.payload === undefined ? undefined : request.payload,
      pollsLeft: Math.max(0, this.o.pollsBeforeAssigned ?? 0),
      state: undefined,
    };
    this.operations.set(registrationId, op);
    return this.assigning(op);
  }

  /** GET iotdps-get-operationstatus: 202 while assigning, then 200 with the registration state (assigned or failed). */
  poll(registrationId: string, operationId: string): DpsResponse {
    const op = this.operations.get(registrationId);
    if (op === undefined || op.operationId !== operationId) return this.error(DpsErrorCode.operationNotFound, `Operation ${operationId} was not found.`);
    if (op.state === undefined) {
      if (op.pollsLeft > 0) {
        op.pollsLeft--;
        return this.assigning(op);
      }
      op.state = this.complete(op);
    }
    const body = { operationId: op.operationId, status: op.state.status, registrationState: op.state };
    return { status: 200, body: JSON.stringify(body) };
  }

  /**
   * Enable or disable an enrollment (false when there is none). Disabling also turns its registration records
   * `disabled`, as DPS shows a registration whose enrollment was disabled; new CONNECTs under it get CONNACK 5.
   */
  setEnrollmentStatus(kind: 'individual' | 'group', nameOrRegistrationId: string, status: EnrollmentStatus): boolean {
    if (!this.enrollments.setStatus(kind, nameOrRegistrationId, status)) return false;
    if (status === 'disabled') {
      const name = `${kind}:${nameOrRegistrationId}`;
      for (const [registrationId, by] of this.enrolledBy) if (by === name) this.registrations.disable(registrationId);
    }
    return true;
  }

  /** The operation of a registration id still in progress (for tests and status pages). */
  pendingOperation(registrationId: string): string | undefined {
    const op = this.operations.get(registrationId);
    return op !== undefined && op.state === undefined ? op.operationId : undefined;
  }

  private assigning(op: Operation): DpsResponse {
    return { status: 202, body: JSON.stringify({ operationId: op.operationId, status: 'assigning' }), retryAfterS: this.o.retryAfterS ?? 3 };
  }

  private complete(op: Operation): RegistrationState {
    const { enrollment, primaryKey, secondaryKey, certificateThumbprint } = op.attestation;
    const deviceId = (enrollment.kind === 'individual' ? enrollment.deviceId : undefined) ?? op.registrationId;
    const outcome = { registrationId: op.registrationId, payload: op.payload };
    this.enrolledBy.set(op.registrationId, enrollmentName(enrollment));
    try {
      const details = { enrollment, primaryKey, secondaryKey, initialDesired: enrollment.initialDesired };
      this.o.assign(op.registrationId, deviceId, op.key, certificateThumbprint === undefined ? details : { ...details, certificateThumbprint });
    } catch (err) {
      const code = (err as { errorCode?: unknown } | null)?.errorCode;
      return this.registrations.failed({
        ...outcome,
        errorCode: typeof code === 'number' ? code : DpsErrorCode.assignmentFailed,
        errorMessage: err instanceof Error ? err.message : String(err),
      });
    }
    return this.registrations.assigned({ ...outcome, deviceId, assignedHub: this.o.assignedHub });
  }

  /** `{"errorCode":…,"trackingId":…,"message":…,"timestampUtc":…}` with the status in the topic (§3 error example). */
  error(errorCode: number, message: string): DpsResponse {
    const body = { errorCode, trackingId: this.newId(), message, timestampUtc: isoMs(this.o.clock.now()) };
    return { status: Math.floor(errorCode / 1000), body: JSON.stringify(body) };
  }
}
