/**
 * An attestation service: a Verifier configured from the run plan (factory CA and firmware catalog from the seed,
 * secure-OS fleets' device ids enrolled, per-fleet credential kind and refusal handling) on an injected clock. The
 * embedded hub serves it over HTTP (src/hub/attestation/) on the wall clock; a virtual-time shard calls it in process
 * on the virtual clock with a seeded RNG (src/worker/virtual-secure-os.ts).
 */
import { randomBytes } from 'node:crypto';
import { type AttestationCa, attestationCa } from './credentials.js';
import { Verifier } from './verifier.js';
import type { Clock } from '../core/clock.js';
import { type Rng, createRng } from '../core/rng.js';
import { compileTemplate } from '../core/template.js';
import { factoryCa } from '../devices/secure-os/certs.js';
import { firmwareCatalog } from '../devices/secure-os/firmware.js';
import { type AttestationRequire, type HubAttestation, type SecureOsFleet, attestationServiceKey, findRelease } from './service-config.js';

/** The fleet fields the service needs (a subset of EmbeddedFleet). */
export interface SecureFleetIds {
  readonly id: string;
  readonly idPattern: string;
  readonly count: number;
  readonly secureOs?: SecureOsFleet | undefined;
}

export interface SecureDevicePolicy {
  readonly require: AttestationRequire;
  readonly credential: 'sas' | 'x509';
}

export interface AttestationService {
  readonly verifier: Verifier;
  /** The attestation service's secret (see attestationServiceKey). */
  readonly serviceKey: string;
  readonly ca: AttestationCa;
  /** Enforcement and credential kind of a secure-OS device; undefined for any other device. */
  policyOf(deviceId: string): SecureDevicePolicy | undefined;
}

/** Throws an Error naming the fleet when a fleet's firmware is not one of the releases. */
export function createAttestationService(o: {
  readonly attestation: HubAttestation;
  readonly fleets: readonly SecureFleetIds[];
  readonly hubServiceKey: string;
  readonly hostName: string;
  readonly clock: Clock;
  /** Nonces and certificate serials; default a fresh random seed (a hub's nonces must be unpredictable to devices). */
  readonly rng?: Rng;
}): AttestationService {
  const { attestation } = o;
  const devices = new Map<string, SecureDevicePolicy>();
  for (const f of o.fleets) {
    if (f.secureOs === undefined) continue;
    const release = findRelease(attestation.releases, f.secureOs.firmware);
    if (typeof release === 'string') throw new Error(`fleet ${f.id}: secureOs.${release}`);
    const policy: SecureDevicePolicy = { require: f.secureOs.require ?? attestation.require ?? 'refuse', credential: f.secureOs.credential };
    const idOf = compileTemplate(f.idPattern, ['fleet', 'index']);
    for (let index = 0; index < f.count; index++) devices.set(idOf({ fleet: f.id, index }), policy);
  }
  const catalog = firmwareCatalog(attestation.seed, attestation.releases);
  const ca = attestationCa(attestation.seed, attestation.startTimeMs);
  const serviceKey = attestationServiceKey(o.hubServiceKey);
  const verifier = new Verifier({
    factoryCaDer: factoryCa(attestation.seed, attestation.startTimeMs).certDer,
    enrolled: (id) => devices.has(id),
    referenceValues: catalog.referenceValues(),
    policy: attestation.policy ?? {},
    policyOf: (id) => {
      const p = devices.get(id);
      return p === undefined ? {} : { credential: p.credential, onRefusal: p.require === 'quarantine' ? 'quarantine' : 'refuse' };
    },
    serviceKey,
    hubHost: o.hostName,
    attestationCa: ca,
    clock: o.clock,
    // Nonces must be unpredictable to devices: a fresh seed per hub (determinism covers devices, not the verifier).
    rng: o.rng ?? createRng(randomBytes(16).toString('hex')),
  });
  return { verifier, serviceKey, ca, policyOf: (id) => devices.get(id) };
}
