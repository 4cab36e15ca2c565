/**
 * The attestation service's configuration as a run plan gives it: the seed's world (factory, firmware releases), the
 * policy of `hub.attestation`, and each secure-OS fleet's credential kind and application release. The embedded hub
 * (src/engine/target.ts) and virtual-time shards (src/worker/virtual-secure-os.ts) both configure theirs from here.
 */
import type { FleetPlan, RunPlan } from '../scenario/plan.js';
import type { HubAttestation, SecureOsFleet } from './service-config.js';

/** The attestation service of a run with secure-OS fleets (undefined without them). */
export function hubAttestation(plan: RunPlan): HubAttestation | undefined {
  const a = plan.hub.attestation;
  if (a === undefined) return undefined;
  return {
    seed: plan.seed,
    startTimeMs: plan.startTimeMs,
    releases: (plan.firmware ?? []).map((r) => ({ name: r.name, version: r.version, svn: r.svn, sizeBytes: r.sizeBytes, revoked: r.revoked })),
    policy: { minSvn: a.minSvn, allowDebug: a.allowDebug, credentialTtlMs: a.credentialTtlMs, nonceTtlMs: a.nonceTtlMs },
    require: a.require,
  };
}

/** A fleet's part of the contract: its credential kind and release (undefined for an ordinary fleet). */
export function secureOsFleet(f: FleetPlan): SecureOsFleet | undefined {
  return f.secureOs === undefined ? undefined : { credential: f.secureOs.credential, firmware: `${f.secureOs.app}@${f.secureOs.firmware}` };
}
