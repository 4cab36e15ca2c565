import { createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ed25519BackendName, ed25519Backends, ed25519FromSeed, ed25519PublicKey, ed25519Sign, ed25519Verify, privateKeyPem, publicKeyPem, useEd25519Backend,
} from '../../src/core/ed25519.js';

const seedOf = (i: number): Buffer => createHash('sha256').update(`seed ${i}`).digest();
const message = Buffer.from('fleetsim evidence digest');
const initial = ed25519BackendName();

afterEach(() => useEd25519Backend(initial));

describe('Ed25519 backends', () => {
  it('libsodium loads here and is the default (CI runs on linux-x64, which sodium-native ships a prebuild for)', () => {
    expect(ed25519Backends()).toEqual(['libsodium', 'node:crypto']);
    expect(initial).toBe('libsodium');
  });

  for (const name of ['libsodium', 'node:crypto'] as const) {
    it(`${name}: keys and signatures are OpenSSL's (node:crypto's own sign and verify agree)`, () => {
      useEd25519Backend(name);
      for (let i = 0; i < 20; i++) {
        const keys = ed25519FromSeed(seedOf(i));
        const opensslKey = createPrivateKey(privateKeyPem(keys.privateKey));
        const opensslPublic = createPublicKey(publicKeyPem(keys.publicKey));
        expect(Buffer.from(createPublicKey(opensslKey).export({ format: 'jwk' }).x ?? '', 'base64url')).toEqual(keys.publicRaw);
        expect(opensslPublic.export({ format: 'der', type: 'spki' })).toEqual(createPublicKey(opensslKey).export({ format: 'der', type: 'spki' }));
        const sig = ed25519Sign(keys.privateKey, message);
        expect(sig).toEqual(sign(null, message, opensslKey));
        expect(verify(null, message, opensslPublic, sig)).toBe(true);
        expect(ed25519Verify(keys.publicKey, message, sig)).toBe(true);
        expect(ed25519Verify(ed25519PublicKey(keys.publicRaw), message, sig)).toBe(true);
      }
    });

    it(`${name}: refuses a wrong message, a flipped bit, a wrong key and a malformed signature without throwing`, () => {
      useEd25519Backend(name);
      const keys = ed25519FromSeed(seedOf(1));
      const other = ed25519FromSeed(seedOf(2));
      const sig = ed25519Sign(keys.privateKey, message);
      const flipped = Buffer.from(sig);
      flipped[10] = (flipped[10] ?? 0) ^ 1;
      expect(ed25519Verify(keys.publicKey, Buffer.from('another message'), sig)).toBe(false);
      expect(ed25519Verify(keys.publicKey, message, flipped)).toBe(false);
      expect(ed25519Verify(other.publicKey, message, sig)).toBe(false);
      expect(ed25519Verify(keys.publicKey, message, sig.subarray(0, 63))).toBe(false);
      expect(ed25519Verify(keys.publicKey, message, Buffer.alloc(64, 0xff))).toBe(false);
    });
  }

  it('both backends give the same bytes, and each verifies the other\'s signatures', () => {
    useEd25519Backend('libsodium');
    const a = ed25519FromSeed(seedOf(7));
    useEd25519Backend('node:crypto');
    const b = ed25519FromSeed(seedOf(7));
    expect(a.publicRaw).toEqual(b.publicRaw);
    const sigA = ed25519Sign(a.privateKey, message);
    const sigB = ed25519Sign(b.privateKey, message);
    expect(sigA).toEqual(sigB);
    expect(ed25519Verify(b.publicKey, message, sigA)).toBe(true);
    useEd25519Backend('libsodium');
    expect(ed25519Verify(ed25519PublicKey(a.publicRaw), message, sigB)).toBe(true);
  });

  it('refuses a seed or public key that is not 32 bytes', () => {
    expect(() => ed25519FromSeed(Buffer.alloc(31))).toThrow(/32 bytes, got 31/);
    expect(() => ed25519PublicKey(Buffer.alloc(33))).toThrow(/32 bytes, got 33/);
  });
});
