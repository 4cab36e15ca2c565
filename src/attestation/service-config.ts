/**
 * The contract between the run plan (the scenario DSL) and an attestation service: the embedded hub's (over HTTP) or a
 * virtual-time shard's (in process). from-plan.ts builds it from a RunPlan for both.
 *
 * - `EmbeddedIotHub.attestation?: HubAttestation`: the simulated world the service verifies against (seed, plan start
 *   time, firmware releases, policy) and the hub-wide enforcement default.
 * - `EmbeddedFleet.secureOs?: SecureOsFleet`: this fleet's devices are secure-OS devices: they are enrolled with the
 *   attestation service and registered in the hub so that only an attestation credential authenticates them.
 */
import { createHmac } from 'node:crypto';
import type { AttestationPolicy } from './types.js';
import type { FirmwareRelease } from '../devices/secure-os/firmware.js';

/** off: no attestation needed; refuse: CONNACK 5 without a valid credential; quarantine: admitted to firmware topics only. */
export type AttestationRequire = 'off' | 'refuse' | 'quarantine';

/** A fleet option: `EmbeddedFleet.secureOs`. */
export interface SecureOsFleet {
  /** Enforcement for this fleet's devices (default: `HubAttestation.require`). */
  readonly require?: AttestationRequire;
  /** What an attested device gets: a SAS token (default) or a 24 h X.509 client certificate. */
  readonly credential: 'sas' | 'x509';
  /** The application release the fleet's devices are built with: "version" or "name@version" of a `HubAttestation.releases` entry. */
  readonly firmware: string;
}

/** `EmbeddedIotHub.attestation`: present when the hub serves the attestation endpoints. */
export interface HubAttestation {
  /** The scenario seed: the factory CA, the vendor release key, the firmware images and the attestation CA come from it. */
  readonly seed: string;
  /** The plan's start time (epoch ms): DICE certificates are valid from a day before it. */
  readonly startTimeMs: number;
  /** The application releases (reference values); revoked ones are refused. */
  readonly releases: readonly FirmwareRelease[];
  /** Verifier policy (minSvn, allowDebug, credentialTtlMs, nonceTtlMs); credential and onRefusal come from each fleet. */
  readonly policy?: Partial<Omit<AttestationPolicy, 'credential' | 'onRefusal'>>;
  /** Enforcement for secure-OS fleets that do not set their own (default refuse). */
  readonly require?: AttestationRequire;
}

/**
 * The attestation service's secret, derived from the hub's owner key (base64(HMAC-SHA256("fleetsim attestation
 * service", serviceKey))): per-device SAS keys come from it, so tokens minted by the service are the only ones a
 * secure-OS device authenticates with, and the owner key itself never signs device tokens.
 */
export function attestationServiceKey(hubServiceKey: string): string {
  return createHmac('sha256', 'fleetsim attestation service').update(hubServiceKey).digest('base64');
}

/** The release a `firmware` string names, or an error message listing the known ones. */
export function findRelease(releases: readonly FirmwareRelease[], firmware: string): FirmwareRelease | string {
  const at = firmware.lastIndexOf('@');
  const name = at > 0 ? firmware.slice(0, at) : undefined;
  const version = at > 0 ? firmware.slice(at + 1) : firmware;
  const hits = releases.filter((r) => r.version === version && (name === undefined || r.name === name));
  if (hits.length === 1 && hits[0] !== undefined) return hits[0];
  const known = releases.map((r) => `${r.name}@${r.version}`).join(', ') || 'none';
  return hits.length > 1 ? `firmware "${firmware}" is ambiguous: say name@version (known: ${known})` : `firmware "${firmware}" is not a release (known: ${known})`;
}
