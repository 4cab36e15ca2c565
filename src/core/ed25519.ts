/**
 * Ed25519 key pairs from 32-byte seeds (node:crypto), as DICE derives them: the private key is the seed, so the same
 * seed always gives the same key pair, and Ed25519 signatures are deterministic (RFC 8032), so the same key and message
 * always give the same signature.
 */
import { type KeyObject, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';


export interface Ed25519KeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The raw 32-byte public key. */
  readonly publicRaw: Buffer;
}

/**
 * Imported as a JWK: OpenSSL 3 decodes a PKCS#8 DER key through its generic decoder chain (~0.6 ms), a JWK's raw
 * `d` in ~40 µs. Node derives the public key from `d` (the `x` it requires is not used for the private key), and the
 * raw public key is read back from the JWK export (the DER export costs ~70 µs).
 */
export function ed25519FromSeed(seed: Buffer): Ed25519KeyPair {
  if (seed.length !== 32) throw new RangeError(`an Ed25519 seed is 32 bytes, got ${seed.length}`);
  const privateKey = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: seed.toString('base64url'), x: PLACEHOLDER_X }, format: 'jwk' });
  const publicKey = createPublicKey(privateKey);
  const publicRaw = Buffer.from(jwkX(publicKey), 'base64url');
  if (publicRaw.length !== 32) throw new Error('Ed25519 public key derivation failed');
  return { privateKey, publicKey, publicRaw };
}

const PLACEHOLDER_X = 'A'.repeat(43);

function jwkX(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new Error('not an OKP key');
  return jwk.x;
}

/** A public key object from its raw 32 bytes. */
export function ed25519PublicKey(raw: Buffer): KeyObject {
  if (raw.length !== 32) throw new RangeError(`an Ed25519 public key is 32 bytes, got ${raw.length}`);
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}

export function ed25519Sign(key: KeyObject, data: Buffer): Buffer {
  return sign(null, data, key);
}

/** False (never a throw) for a malformed signature. */
export function ed25519Verify(key: KeyObject, data: Buffer, signature: Buffer): boolean {
  if (signature.length !== 64) return false;
  try {
    return verify(null, data, key, signature);
  } catch {
    return false;
  }
}

/** PEM (PKCS#8) of a private key, for TLS client use. */
export function privateKeyPem(key: KeyObject): string {
  return key.export({ format: 'pem', type: 'pkcs8' }).toString();
}
