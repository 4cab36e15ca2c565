/**
 * The key derivations of the simulated secure element (HKDF-SHA256, node:crypto): the fused unique device secret, the
 * DICE compound device identifiers, and the seeds of the Ed25519 key pairs. Every input is named in docs/secure-os.md.
 */
import { createHash, createHmac } from 'node:crypto';

const ONE = Buffer.from([1]);

/**
 * HKDF-SHA256 (RFC 5869) with a 32-byte output: PRK = HMAC(salt, ikm), OKM = HMAC(PRK, info ‖ 0x01). The same bytes
 * as node:crypto's hkdfSync, in two HMACs (hkdfSync fetches an OpenSSL KDF per call: ~15 µs against ~3 µs).
 */
export function hkdf(ikm: Buffer | string, salt: Buffer | string, info: Buffer | string): Buffer {
  const prk = createHmac('sha256', salt).update(ikm).digest();
  return createHmac('sha256', prk).update(info).update(ONE).digest();
}

function u32be(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/** 32-byte unique device secret (UDS), "fused" at manufacture: HKDF-SHA256(ikm = seed, salt = "fleetsim/uds", info = u32be(globalIndex)). */
export function deviceSecret(seed: string, globalIndex: number): Buffer {
  return hkdf(seed, 'fleetsim/uds', u32be(globalIndex));
}

/** DICE mode byte (Open DICE): 1 normal, 2 debug. */
export function modeByte(debug: boolean): number {
  return debug ? 2 : 1;
}

/**
 * The next layer's CDI: HKDF-SHA256(ikm = this layer's CDI (the UDS for the ROM), salt = SHA-256(next layer's digest
 * ‖ mode), info = "fleetsim/cdi"). `mode` is undefined for the ROM → bootloader step (the DeviceID layer is measured
 * before the bootloader reads the debug strap, so the DeviceID survives a debug boot, as Open DICE's UDS identity does).
 */
export function nextCdi(cdi: Buffer, nextDigest: Buffer, mode?: number): Buffer {
  const h = createHash('sha256').update(nextDigest);
  if (mode !== undefined) h.update(Buffer.from([mode]));
  return hkdf(cdi, h.digest(), 'fleetsim/cdi');
}

/** The 32-byte Ed25519 seed of a key pair: HKDF-SHA256(ikm = cdi, salt = "fleetsim/key", info = label). */
export function keySeed(cdi: Buffer, label: 'DeviceID' | 'Alias'): Buffer {
  return hkdf(cdi, 'fleetsim/key', label);
}

/** Seeds of the simulated factory CA and vendor release key: HKDF-SHA256(ikm = seed, salt = "fleetsim/" + role, info = "key"). */
export function rootSeed(seed: string, role: 'factory-ca' | 'vendor-release' | 'attestation-ca'): Buffer {
  return hkdf(seed, `fleetsim/${role}`, 'key');
}

/** Key of an image's content stream: HKDF-SHA256(ikm = seed, salt = "fleetsim/image", info = name@version). */
export function imageKey(seed: string, name: string, version: string): Buffer {
  return hkdf(seed, 'fleetsim/image', `${name}@${version}`);
}
