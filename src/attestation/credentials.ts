/**
 * Credentials the attestation service issues:
 * - SAS: an IoT Hub device token (`sr = {host}/devices/{id}`, no skn) signed with the per-device key
 *   base64(HMAC-SHA256(serviceKey, deviceId)); quarantine tokens with base64(HMAC-SHA256(serviceKey, "quarantine:" + id)).
 *   The hub derives the same keys, so only the service (which holds serviceKey) can mint tokens a device connects with.
 * - X.509: a leaf certificate (CN = device id) for the device's Alias public key, signed by the attestation CA
 *   (Ed25519, from the seed), which the hub trusts.
 */
import { createHash } from 'node:crypto';
import { buildCertificate, certPem, serialFrom } from '../core/cert-der.js';
import { ed25519FromSeed, type Ed25519KeyPair } from '../core/ed25519.js';
import { createSasToken, deriveDeviceKey, deviceResource } from '../iothub/sas.js';
import { rootSeed } from '../devices/secure-os/kdf.js';
import type { Credential } from './types.js';

/** The per-device key a full credential is signed with (the hub registers secure-OS devices with it). */
export function attestedDeviceKey(serviceKey: string, deviceId: string): string {
  return deriveDeviceKey(serviceKey, deviceId);
}

/** The per-device key of quarantine (update-only) tokens. */
export function quarantineDeviceKey(serviceKey: string, deviceId: string): string {
  return deriveDeviceKey(serviceKey, `quarantine:${deviceId}`);
}

export function sasCredential(o: { serviceKey: string; hubHost: string; deviceId: string; nowMs: number; ttlMs: number; scope: 'full' | 'update-only' }): Credential {
  const expiry = Math.floor((o.nowMs + o.ttlMs) / 1000);
  const keyBase64 = o.scope === 'full' ? attestedDeviceKey(o.serviceKey, o.deviceId) : quarantineDeviceKey(o.serviceKey, o.deviceId);
  return { kind: 'sas', scope: o.scope, token: createSasToken({ resourceUri: deviceResource(o.hubHost, o.deviceId), keyBase64, expiry }), expiresAtMs: expiry * 1000 };
}

const CA_NAME = { organization: 'fleetsim', commonName: 'fleetsim attestation CA' };
const DAY_MS = 86_400_000;

export interface AttestationCa {
  readonly certDer: Buffer;
  readonly certPem: string;
  readonly keys: Ed25519KeyPair;
}

/** The attestation CA of a seed (Ed25519 key from HKDF of the seed), valid from a day before `startTimeMs` for 20 years. */
export function attestationCa(seed: string, startTimeMs: number): AttestationCa {
  const keys = ed25519FromSeed(rootSeed(seed, 'attestation-ca'));
  const notBeforeMs = startTimeMs - DAY_MS;
  const certDer = buildCertificate(
    { serial: serialFrom(createHash('sha256').update(keys.publicRaw).digest()), issuer: CA_NAME, subject: CA_NAME, notBeforeMs, notAfterMs: notBeforeMs + 20 * 365 * DAY_MS, subjectPublicKey: keys.publicRaw, issuerPublicKey: keys.publicRaw, ca: true },
    keys.privateKey,
  );
  return { certDer, certPem: certPem(certDer), keys };
}

/** A 24 h (ttl) client certificate for `aliasPublic`, CN = device id, valid from 5 minutes before now (clock skew). */
export function x509Credential(o: { ca: AttestationCa; deviceId: string; aliasPublic: Buffer; serial: Buffer; nowMs: number; ttlMs: number }): Credential {
  const notAfterMs = Math.floor((o.nowMs + o.ttlMs) / 1000) * 1000;
  const der = buildCertificate(
    { serial: serialFrom(o.serial), issuer: CA_NAME, subject: { commonName: o.deviceId }, notBeforeMs: o.nowMs - 300_000, notAfterMs, subjectPublicKey: o.aliasPublic, issuerPublicKey: o.ca.keys.publicRaw, ca: false },
    o.ca.keys.privateKey,
  );
  return { kind: 'x509', scope: 'full', certPem: certPem(der), chainPem: o.ca.certPem, expiresAtMs: notAfterMs };
}
