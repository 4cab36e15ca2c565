/**
 * Ed25519 key pairs from 32-byte seeds, as DICE derives them: the private key is the seed, so the same seed always
 * gives the same key pair, and Ed25519 signatures are deterministic (RFC 8032), so the same key and message always
 * give the same signature, whichever backend computes them.
 *
 * Two backends, the same bytes (test/unit/ed25519.test.ts checks them against each other):
 * - libsodium (sodium-native, prebuilt for the common platforms): key pair from seed 13 µs, sign 14 µs, verify 37 µs
 *   on the 2-core CI machine; the default, because a boot storm is dominated by these three operations;
 * - node:crypto (OpenSSL 3): key pair 43 µs (JWK import), sign 33 µs, verify 89 µs; used where sodium-native does not
 *   load, or when chosen with `useEd25519Backend('node:crypto')` (the attestation benchmark compares the two).
 * This file is sodium-native's one import site.
 */
import { type KeyObject, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { createRequire } from 'node:module';
import { pem } from './der.js';

/** A private key: its seed, its raw public key and the backend's own form of it (made on first use). */
export interface Ed25519PrivateKey {
  readonly seed: Buffer;
  readonly publicRaw: Buffer;
}

/** A public key: its raw 32 bytes (the backend's own form is made on first use). */
export interface Ed25519PublicKey {
  readonly raw: Buffer;
}

export interface Ed25519KeyPair {
  readonly privateKey: Ed25519PrivateKey;
  readonly publicKey: Ed25519PublicKey;
  /** The raw 32-byte public key. */
  readonly publicRaw: Buffer;
}

export type Ed25519BackendName = 'libsodium' | 'node:crypto';

interface Backend {
  readonly name: Ed25519BackendName;
  /** The raw public key of a seed, and the backend's private-key form. */
  keyPair(seed: Buffer): { publicRaw: Buffer; handle: unknown };
  sign(handle: unknown, data: Buffer): Buffer;
  verify(publicRaw: Buffer, handle: unknown, data: Buffer, signature: Buffer): boolean;
  /** The backend's public-key form (cached on the key object), or undefined when it verifies from the raw bytes. */
  publicHandle(raw: Buffer): unknown;
}

interface Sodium {
  crypto_sign_seed_keypair(pk: Buffer, sk: Buffer, seed: Buffer): void;
  crypto_sign_detached(sig: Buffer, m: Buffer, sk: Buffer): void;
  crypto_sign_verify_detached(sig: Buffer, m: Buffer, pk: Buffer): boolean;
}

function loadSodium(): Sodium | undefined {
  try {
    const s = createRequire(import.meta.url)('sodium-native') as Partial<Sodium>;
    return typeof s.crypto_sign_detached === 'function' ? (s as Sodium) : undefined;
  } catch {
    return undefined;
  }
}

function libsodium(s: Sodium): Backend {
  return {
    name: 'libsodium',
    keyPair(seed) {
      const publicRaw = Buffer.allocUnsafe(32);
      const sk = Buffer.allocUnsafe(64);
      s.crypto_sign_seed_keypair(publicRaw, sk, seed);
      return { publicRaw, handle: sk };
    },
    sign(handle, data) {
      const sig = Buffer.allocUnsafe(64);
      s.crypto_sign_detached(sig, data, handle as Buffer);
      return sig;
    },
    verify: (publicRaw, _handle, data, signature) => s.crypto_sign_verify_detached(signature, data, publicRaw),
    publicHandle: () => undefined,
  };
}

/**
 * OpenSSL 3 decodes a PKCS#8 DER key through its generic decoder chain (~0.6 ms), a JWK's raw `d` in ~40 µs. Node
 * derives the public key from `d` (the `x` it requires is not used for the private key), and the raw public key is
 * read back from the JWK export (the DER export costs ~70 µs).
 */
const nodeCrypto: Backend = {
  name: 'node:crypto',
  keyPair(seed) {
    const privateKey = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: seed.toString('base64url'), x: PLACEHOLDER_X }, format: 'jwk' });
    const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
    if (typeof jwk.x !== 'string') throw new Error('Ed25519 public key derivation failed');
    return { publicRaw: Buffer.from(jwk.x, 'base64url'), handle: privateKey };
  },
  sign: (handle, data) => sign(null, data, handle as KeyObject),
  verify(_raw, handle, data, signature) {
    try {
      return verify(null, data, handle as KeyObject, signature);
    } catch {
      return false;
    }
  },
  publicHandle: (raw) => createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' }),
};

const PLACEHOLDER_X = 'A'.repeat(43);
const sodium = loadSodium();
let backend: Backend = sodium === undefined ? nodeCrypto : libsodium(sodium);

/** The backends this process can use (libsodium only where sodium-native loads). */
export function ed25519Backends(): Ed25519BackendName[] {
  return sodium === undefined ? ['node:crypto'] : ['libsodium', 'node:crypto'];
}

export function ed25519BackendName(): Ed25519BackendName {
  return backend.name;
}

/** Choose the backend for keys made from now on (keys remember the backend that made them). */
export function useEd25519Backend(name: Ed25519BackendName): void {
  if (name === 'libsodium' && sodium === undefined) throw new Error('sodium-native does not load on this platform: only node:crypto is available');
  backend = name === 'libsodium' && sodium !== undefined ? libsodium(sodium) : nodeCrypto;
}

class PrivateKey implements Ed25519PrivateKey {
  constructor(
    readonly seed: Buffer,
    readonly publicRaw: Buffer,
    readonly backend: Backend,
    readonly handle: unknown,
  ) {}
}

class PublicKey implements Ed25519PublicKey {
  private handle: unknown;
  private made = false;
  constructor(
    readonly raw: Buffer,
    private readonly backend: Backend,
  ) {}

  verify(data: Buffer, signature: Buffer): boolean {
    if (!this.made) {
      this.handle = this.backend.publicHandle(this.raw);
      this.made = true;
    }
    return this.backend.verify(this.raw, this.handle, data, signature);
  }
}

export function ed25519FromSeed(seed: Buffer): Ed25519KeyPair {
  if (seed.length !== 32) throw new RangeError(`an Ed25519 seed is 32 bytes, got ${seed.length}`);
  const b = backend;
  const { publicRaw, handle } = b.keyPair(seed);
  return { privateKey: new PrivateKey(seed, publicRaw, b, handle), publicKey: new PublicKey(publicRaw, b), publicRaw };
}

/** A public key from its raw 32 bytes. */
export function ed25519PublicKey(raw: Buffer): Ed25519PublicKey {
  if (raw.length !== 32) throw new RangeError(`an Ed25519 public key is 32 bytes, got ${raw.length}`);
  return new PublicKey(raw, backend);
}

export function ed25519Sign(key: Ed25519PrivateKey, data: Buffer): Buffer {
  if (!(key instanceof PrivateKey)) throw new TypeError('not a key made by ed25519FromSeed');
  return key.backend.sign(key.handle, data);
}

/** False (never a throw) for a malformed signature. */
export function ed25519Verify(key: Ed25519PublicKey, data: Buffer, signature: Buffer): boolean {
  if (signature.length !== 64) return false;
  return (key instanceof PublicKey ? key : new PublicKey(key.raw, backend)).verify(data, signature);
}

/** RFC 8410 SubjectPublicKeyInfo prefix of an Ed25519 public key: SEQUENCE { AlgorithmIdentifier(1.3.101.112), BIT STRING key }. */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** RFC 8410 PKCS#8 prefix of an Ed25519 private key: SEQUENCE { 0, AlgorithmIdentifier(1.3.101.112), OCTET STRING { OCTET STRING seed } }. */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** PEM (PKCS#8, RFC 8410) of a private key, for TLS client use. */
export function privateKeyPem(key: Ed25519PrivateKey): string {
  return pem('PRIVATE KEY', Buffer.concat([PKCS8_PREFIX, key.seed]));
}

/** PEM (SubjectPublicKeyInfo, RFC 8410) of a public key. */
export function publicKeyPem(key: Ed25519PublicKey): string {
  return pem('PUBLIC KEY', Buffer.concat([SPKI_PREFIX, key.raw]));
}
