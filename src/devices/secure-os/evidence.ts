/**
 * Attestation evidence: what a booted device sends after the verifier gave it a nonce. The Alias key signs
 * SHA-256(nonce ‖ fwid ‖ logDigest(measurements)), so the signature binds the fresh nonce to the firmware state.
 */
import { createHash } from 'node:crypto';
import { type BootResult, logDigest } from './boot.js';
import type { Measurement } from './firmware.js';

export interface Evidence {
  readonly deviceId: string;
  /** base64url, as received. */
  readonly nonce: string;
  readonly measurements: readonly Measurement[];
  readonly fwid: Buffer;
  readonly debug: boolean;
  /** [aliasCertDer, deviceIdCertDer] */
  readonly chain: readonly Buffer[];
  /** Alias key over evidenceDigest(nonce, fwid, measurements). */
  readonly signature: Buffer;
}

/** SHA-256(UTF-8 nonce ‖ fwid ‖ logDigest(measurements)): what the Alias key signs. */
export function evidenceDigest(nonce: string, fwid: Buffer, measurements: readonly Measurement[]): Buffer {
  return createHash('sha256').update(nonce, 'utf8').update(fwid).update(logDigest(measurements)).digest();
}

/** Evidence for one attestation; throws when secure boot refused the application (such a device cannot attest). */
export function makeEvidence(boot: BootResult, nonce: string): Evidence {
  if (!boot.ok) throw new Error(`${boot.deviceId}: secure boot refused the application (${boot.refusal ?? 'refused'}), nothing to attest`);
  return {
    deviceId: boot.deviceId,
    nonce,
    measurements: boot.measurements,
    fwid: boot.fwid,
    debug: boot.debug,
    chain: [boot.aliasCertDer, boot.deviceIdCertDer],
    signature: boot.sign(evidenceDigest(nonce, boot.fwid, boot.measurements)),
  };
}

/**
 * Compromised firmware that lies: it reports `claimed` (e.g. the golden measurement log of a genuine device) and
 * signs that with the Alias key it holds. Its Alias certificate, made by the layer below, still carries the real FWID.
 */
export function lyingEvidence(boot: BootResult, nonce: string, claimed: { readonly measurements: readonly Measurement[]; readonly fwid: Buffer }): Evidence {
  const honest = makeEvidence(boot, nonce);
  return { ...honest, measurements: claimed.measurements, fwid: claimed.fwid, signature: boot.sign(evidenceDigest(nonce, claimed.fwid, claimed.measurements)) };
}

/** A replay: evidence captured earlier, re-sent with another nonce (the attacker has no Alias key to re-sign). */
export function replayed(evidence: Evidence, nonce: string): Evidence {
  return { ...evidence, nonce };
}
