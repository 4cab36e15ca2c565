/**
 * X.509 device authentication as IoT Hub does it (reference §1.4): the device presents its certificate in the TLS
 * handshake and sends no password. `selfSigned` devices match their leaf's SHA-1 or SHA-256 thumbprint against the
 * registered primary or secondary one; `certificateAuthority` devices need a leaf with CN = device id whose chain
 * (as presented, leaf first) reaches a verified CA of the hub. Expired or not-yet-valid certificates fail. No CRL
 * checks (IoT Hub does none either: disable the device to revoke it).
 */
import { X509Certificate } from 'node:crypto';
import { chainAnchor, commonNameOf, thumbprints } from '../../core/x509.js';
import type { DeviceAuthentication } from './registry.js';

export type X509Refusal = 'no-certificate' | 'not-x509-device' | 'expired-certificate' | 'unknown-thumbprint' | 'cn-mismatch' | 'untrusted-chain';

/** Undefined when `chain` authenticates the device, else why not. */
export function checkX509(
  auth: DeviceAuthentication,
  commonName: string,
  chain: readonly Buffer[],
  anchors: () => readonly string[],
  nowMs: number,
): X509Refusal | undefined {
  const leaf = chain[0];
  if (leaf === undefined) return 'no-certificate';
  if (auth.type === 'sas') return 'not-x509-device';
  const cert = new X509Certificate(leaf);
  if (nowMs < Date.parse(cert.validFrom) || nowMs > Date.parse(cert.validTo)) return 'expired-certificate';
  if (auth.type === 'selfSigned') {
    const { sha1, sha256 } = thumbprints(leaf);
    const registered = [auth.primaryThumbprint, auth.secondaryThumbprint];
    return registered.includes(sha1) || registered.includes(sha256) ? undefined : 'unknown-thumbprint';
  }
  if (commonNameOf(cert.subject) !== commonName) return 'cn-mismatch';
  return chainAnchor(chain, anchors(), nowMs) >= 0 ? undefined : 'untrusted-chain';
}
