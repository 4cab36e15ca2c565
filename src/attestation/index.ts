/** The attestation verifier (pure) and the HTTP protocol's codec. See docs/secure-os.md. */
export { Verifier, type VerifierOptions } from './verifier.js';
export {
  type AttestationCounts, type AttestationOutcome, type AttestationPolicy, type Challenge, type Credential, type CredentialScope, type RefusalReason,
  DEFAULT_POLICY, REFUSAL_REASONS, emptyCounts,
} from './types.js';
export { type AttestationCa, attestationCa, attestedDeviceKey, quarantineDeviceKey, sasCredential, x509Credential } from './credentials.js';
export { NonceStore } from './nonces.js';
export * from './codec.js';
