/** A small secure-OS world for tests: a catalog, devices, a verifier on a manual clock. */
import { ManualClock } from '../../src/core/clock.js';
import { createRng } from '../../src/core/rng.js';
import { type AttestationPolicy, Verifier, attestationCa } from '../../src/attestation/index.js';
import { type BootAttack, type BootResult, type InstalledImage, boot, factoryCa, firmwareCatalog, installed } from '../../src/devices/secure-os/index.js';

export const SEED = 'secure-os-test';
export const START = Date.UTC(2026, 0, 1);
export const HUB_HOST = 'embedded.fleetsim.local';
export const SERVICE_KEY = Buffer.from('attestation service key for tests, 32+ bytes long').toString('base64');

export const RELEASES = [
  { name: 'thermostat-app', version: '2.2.0', svn: 2, sizeBytes: 48_000, revoked: true },
  { name: 'thermostat-app', version: '2.3.0', svn: 3, sizeBytes: 50_000 },
  { name: 'thermostat-app', version: '2.4.0', svn: 4, sizeBytes: 52_000 },
  { name: 'thermostat-app', version: '1.0.0', svn: 1, sizeBytes: 40_000 },
];

export const catalog = firmwareCatalog(SEED, RELEASES);

export const image = (version: string): InstalledImage => installed(catalog.image('thermostat-app', version));

export function spec(i: number): { seed: string; globalIndex: number; deviceId: string; startTimeMs: number } {
  return { seed: SEED, globalIndex: i, deviceId: `dev-${i}`, startTimeMs: START };
}

export function bootDevice(i: number, o: { app?: InstalledImage; debug?: boolean; antiRollback?: number; attack?: BootAttack } = {}): BootResult {
  return boot({ device: spec(i), catalog, app: o.app ?? image('2.3.0'), debug: o.debug ?? false, antiRollback: o.antiRollback ?? 3, ...(o.attack ? { attack: o.attack } : {}) });
}

export function verifier(policy: Partial<AttestationPolicy> = {}, count = 10): { v: Verifier; clock: ManualClock } {
  const clock = new ManualClock(START + 3_600_000);
  const enrolled = new Set(Array.from({ length: count }, (_, i) => `dev-${i}`));
  const v = new Verifier({
    factoryCaDer: factoryCa(SEED, START).certDer,
    enrolled,
    referenceValues: catalog.referenceValues(),
    policy: { minSvn: 3, ...policy },
    serviceKey: SERVICE_KEY,
    hubHost: HUB_HOST,
    attestationCa: attestationCa(SEED, START),
    clock,
    rng: createRng(SEED, 'verifier'),
  });
  return { v, clock };
}
