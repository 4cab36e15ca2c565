/** The attestation contract (docs/secure-os.md): refusal reasons, outcomes, credentials, policy. */

export type RefusalReason =
  | 'UNKNOWN_DEVICE'
  | 'CHAIN_INVALID'
  | 'IDENTITY_MISMATCH'
  | 'NONCE_UNKNOWN'
  | 'NONCE_EXPIRED'
  | 'SIGNATURE_INVALID'
  | 'FWID_MISMATCH'
  | 'MEASUREMENT_UNKNOWN'
  | 'SVN_REVOKED'
  | 'DEBUG_MODE';

/** Every refusal reason with what it means, in the order the verifier checks them. */
export const REFUSAL_REASONS: Readonly<Record<RefusalReason, string>> = {
  NONCE_UNKNOWN: 'nonce not issued by this verifier, issued to another device, or already used (replay)',
  NONCE_EXPIRED: 'nonce older than the nonce lifetime',
  UNKNOWN_DEVICE: 'device id not enrolled, or its DeviceID certificate not issued by the factory CA',
  CHAIN_INVALID: 'DeviceID certificate not signed by the factory CA or Alias certificate not by the DeviceID key, malformed, or outside its validity',
  IDENTITY_MISMATCH: 'the certificates name another device than the one attesting (cloned identity)',
  SIGNATURE_INVALID: 'the signature over the nonce does not verify with the Alias key',
  FWID_MISMATCH: "the Alias certificate's FWID or log digest differs from the evidence's",
  MEASUREMENT_UNKNOWN: "a layer's digest is not a reference value (tampered firmware)",
  SVN_REVOKED: 'firmware below the minimum security version, or a revoked release',
  DEBUG_MODE: 'booted in debug mode and the policy forbids it',
};

/** full: the hub admits the device; update-only: quarantine, the device may only fetch firmware. */
export type CredentialScope = 'full' | 'update-only';

export type Credential =
  | { readonly kind: 'sas'; readonly scope: CredentialScope; readonly token: string; readonly expiresAtMs: number }
  | { readonly kind: 'x509'; readonly scope: CredentialScope; readonly certPem: string; readonly chainPem: string; readonly expiresAtMs: number };

export type AttestationOutcome =
  | { readonly ok: true; readonly credential: Credential }
  | {
      readonly ok: false;
      readonly reason: RefusalReason;
      readonly message: string;
      /** Policy onRefusal: quarantine: an update-only credential (SAS with the quarantine key). */
      readonly quarantine?: Credential;
    };

export interface AttestationPolicy {
  /** Lowest application svn admitted (default 0; revoked releases are refused whatever their svn). */
  readonly minSvn: number;
  /** Admit devices booted in debug mode (default false). */
  readonly allowDebug: boolean;
  /** What a passing device gets (default sas). */
  readonly credential: 'sas' | 'x509';
  /** Credential lifetime (default 24 h). */
  readonly credentialTtlMs: number;
  /** Nonce lifetime (default 60 s). */
  readonly nonceTtlMs: number;
  /** A refused device gets nothing (refuse, default) or an update-only credential (quarantine). */
  readonly onRefusal: 'refuse' | 'quarantine';
}

export const DEFAULT_POLICY: AttestationPolicy = {
  minSvn: 0,
  allowDebug: false,
  credential: 'sas',
  credentialTtlMs: 24 * 3_600_000,
  nonceTtlMs: 60_000,
  onRefusal: 'refuse',
};

export interface Challenge {
  readonly nonce: string;
  readonly expiresAtMs: number;
}

/** What a verifier has done so far (plain data, summed across verifiers by addition). */
export interface AttestationCounts {
  challenges: number;
  attestations: number;
  passed: number;
  refused: Partial<Record<RefusalReason, number>>;
  credentials: { sas: number; x509: number; quarantine: number };
}

export function emptyCounts(): AttestationCounts {
  return { challenges: 0, attestations: 0, passed: 0, refused: {}, credentials: { sas: 0, x509: 0, quarantine: 0 } };
}
