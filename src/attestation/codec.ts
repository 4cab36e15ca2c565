/**
 * JSON bodies of the attestation HTTP protocol (docs/secure-os.md), shared by the device and the service: Buffers as
 * base64, times as ISO 8601 UTC. Decoders never throw: they return the value or a message naming the bad field.
 */
import type { Evidence } from '../devices/secure-os/evidence.js';
import type { Layer, Measurement } from '../devices/secure-os/firmware.js';
import type { AttestationOutcome, Challenge, Credential, CredentialScope, RefusalReason } from './types.js';
import { REFUSAL_REASONS } from './types.js';

export const ATTESTATION_CHALLENGE_PATH = '/attestation/challenge';
export const ATTESTATION_EVIDENCE_PATH = '/attestation/evidence';
/** errorCode of a refusal body (403, as IoT Hub numbers its errors: status × 1000 + n). */
export const ATTESTATION_REFUSED_CODE = 403100;

export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

export interface ChallengeRequest {
  readonly deviceId: string;
}
export interface ChallengeBody {
  readonly nonce: string;
  readonly expiresAtUtc: string;
}
export interface CredentialBody {
  readonly kind: 'sas' | 'x509';
  readonly scope: CredentialScope;
  readonly token?: string;
  readonly certPem?: string;
  readonly chainPem?: string;
  readonly expiresAtUtc: string;
}
/** 200: { credential }; 403: { errorCode, reason, message, credential? (quarantine) }. */
export type EvidenceResponseBody =
  | { readonly credential: CredentialBody }
  | { readonly errorCode: number; readonly reason: RefusalReason; readonly message: string; readonly credential?: CredentialBody };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

function b64(v: unknown, field: string): Buffer | string {
  if (typeof v !== 'string' || !B64.test(v) || v.length % 4 !== 0) return `${field} must be a base64 string`;
  return Buffer.from(v, 'base64');
}

export function encodeChallengeRequest(deviceId: string): string {
  return JSON.stringify({ deviceId });
}

export function decodeChallengeRequest(body: unknown): Decoded<ChallengeRequest> {
  if (!isObject(body) || typeof body.deviceId !== 'string' || body.deviceId === '') return { ok: false, error: 'body must be {"deviceId": "<non-empty string>"}' };
  return { ok: true, value: { deviceId: body.deviceId } };
}

export function encodeChallenge(c: Challenge): ChallengeBody {
  return { nonce: c.nonce, expiresAtUtc: new Date(c.expiresAtMs).toISOString() };
}

export function decodeChallenge(body: unknown): Decoded<Challenge> {
  if (!isObject(body) || typeof body.nonce !== 'string' || typeof body.expiresAtUtc !== 'string') return { ok: false, error: 'challenge must be {"nonce", "expiresAtUtc"}' };
  const expiresAtMs = Date.parse(body.expiresAtUtc);
  if (Number.isNaN(expiresAtMs)) return { ok: false, error: 'expiresAtUtc is not a date' };
  return { ok: true, value: { nonce: body.nonce, expiresAtMs } };
}

export function encodeEvidence(e: Evidence): string {
  return JSON.stringify({
    deviceId: e.deviceId,
    nonce: e.nonce,
    measurements: e.measurements.map((m) => ({ layer: m.layer, component: m.component, version: m.version, digest: m.digest.toString('base64') })),
    fwid: e.fwid.toString('base64'),
    debug: e.debug,
    chain: e.chain.map((c) => c.toString('base64')),
    signature: e.signature.toString('base64'),
  });
}

const LAYERS: ReadonlySet<string> = new Set<Layer>(['rom', 'bootloader', 'os', 'app']);

export function decodeEvidence(body: unknown): Decoded<Evidence> {
  const bad = (error: string): Decoded<Evidence> => ({ ok: false, error });
  if (!isObject(body)) return bad('evidence must be a JSON object');
  if (typeof body.deviceId !== 'string' || body.deviceId === '') return bad('deviceId must be a non-empty string');
  if (typeof body.nonce !== 'string') return bad('nonce must be a string');
  if (typeof body.debug !== 'boolean') return bad('debug must be true or false');
  if (!Array.isArray(body.measurements) || body.measurements.length > 16) return bad('measurements must be an array (at most 16 entries)');
  if (!Array.isArray(body.chain) || body.chain.length > 4) return bad('chain must be an array of base64 certificates (at most 4)');
  const measurements: Measurement[] = [];
  for (const [i, m] of body.measurements.entries()) {
    if (!isObject(m) || typeof m.layer !== 'string' || !LAYERS.has(m.layer) || typeof m.component !== 'string' || typeof m.version !== 'string') {
      return bad(`measurements[${i}] must be {layer: rom|bootloader|os|app, component, version, digest}`);
    }
    const digest = b64(m.digest, `measurements[${i}].digest`);
    if (typeof digest === 'string') return bad(digest);
    measurements.push({ layer: m.layer as Layer, component: m.component, version: m.version, digest });
  }
  const chain: Buffer[] = [];
  for (const [i, c] of body.chain.entries()) {
    const der = b64(c, `chain[${i}]`);
    if (typeof der === 'string') return bad(der);
    chain.push(der);
  }
  const fwid = b64(body.fwid, 'fwid');
  if (typeof fwid === 'string') return bad(fwid);
  const signature = b64(body.signature, 'signature');
  if (typeof signature === 'string') return bad(signature);
  return { ok: true, value: { deviceId: body.deviceId, nonce: body.nonce, measurements, fwid, debug: body.debug, chain, signature } };
}

export function encodeCredential(c: Credential): CredentialBody {
  const expiresAtUtc = new Date(c.expiresAtMs).toISOString();
  return c.kind === 'sas'
    ? { kind: 'sas', scope: c.scope, token: c.token, expiresAtUtc }
    : { kind: 'x509', scope: c.scope, certPem: c.certPem, chainPem: c.chainPem, expiresAtUtc };
}

export function decodeCredential(body: unknown): Decoded<Credential> {
  if (!isObject(body) || typeof body.expiresAtUtc !== 'string') return { ok: false, error: 'credential must carry kind and expiresAtUtc' };
  const expiresAtMs = Date.parse(body.expiresAtUtc);
  const scope: CredentialScope = body.scope === 'update-only' ? 'update-only' : 'full';
  if (Number.isNaN(expiresAtMs)) return { ok: false, error: 'credential.expiresAtUtc is not a date' };
  if (body.kind === 'sas' && typeof body.token === 'string') return { ok: true, value: { kind: 'sas', scope, token: body.token, expiresAtMs } };
  if (body.kind === 'x509' && typeof body.certPem === 'string' && typeof body.chainPem === 'string') {
    return { ok: true, value: { kind: 'x509', scope, certPem: body.certPem, chainPem: body.chainPem, expiresAtMs } };
  }
  return { ok: false, error: 'credential must be {kind: sas, token} or {kind: x509, certPem, chainPem}' };
}

/** The HTTP status and body of an outcome: 200 with the credential, or 403 with the reason (and a quarantine credential). */
export function encodeOutcome(o: AttestationOutcome): { status: 200 | 403; body: EvidenceResponseBody } {
  if (o.ok) return { status: 200, body: { credential: encodeCredential(o.credential) } };
  const base = { errorCode: ATTESTATION_REFUSED_CODE, reason: o.reason, message: o.message };
  return { status: 403, body: o.quarantine === undefined ? base : { ...base, credential: encodeCredential(o.quarantine) } };
}

/** The outcome a device reads from the evidence response (status and parsed JSON body). */
export function decodeOutcome(status: number, body: unknown): Decoded<AttestationOutcome> {
  if (!isObject(body)) return { ok: false, error: `HTTP ${status}: the body is not a JSON object` };
  if (status === 200) {
    const c = decodeCredential(body.credential);
    return c.ok ? { ok: true, value: { ok: true, credential: c.value } } : c;
  }
  if (status === 403 && typeof body.reason === 'string' && body.reason in REFUSAL_REASONS) {
    const reason = body.reason as RefusalReason;
    const message = typeof body.message === 'string' ? body.message : reason;
    if (body.credential === undefined) return { ok: true, value: { ok: false, reason, message } };
    const q = decodeCredential(body.credential);
    return q.ok ? { ok: true, value: { ok: false, reason, message, quarantine: q.value } } : q;
  }
  return { ok: false, error: `HTTP ${status}: ${typeof body.message === 'string' ? body.message : 'unexpected response'}` };
}
