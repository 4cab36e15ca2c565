/**
 * Simulated firmware: deterministic image bytes per (name, version), the vendor's release key (from the seed), signed
 * manifests, the platform images every device shares (ROM, bootloader, OS), and the reference values the verifier
 * compares measurements with. What sits in a device's slot is an `InstalledImage`: the vendor's manifest plus the
 * digest of the bytes actually written (which differs when a download was corrupted or an attacker patched the image).
 */
import { createCipheriv, createHash } from 'node:crypto';
import { type Ed25519PublicKey, ed25519FromSeed, ed25519Sign, ed25519Verify, publicKeyPem } from '../../core/ed25519.js';
import { imageKey, rootSeed } from './kdf.js';

export interface FirmwareRelease {
  readonly name: string;
  readonly version: string;
  readonly svn: number;
  readonly sizeBytes: number;
  readonly revoked?: boolean;
}

/** A simulated firmware image: deterministic bytes per (name, version); signed by the vendor release key. */
export interface FirmwareImage {
  readonly name: string;
  readonly version: string;
  readonly svn: number;
  readonly size: number;
  /** SHA-256 of the image bytes (the FWID of the app layer). */
  readonly digest: Buffer;
  /** Ed25519 by the vendor release key over the manifest (name, version, svn, digest): `manifestBytes`. */
  readonly signature: Buffer;
  bytes(): Buffer;
}

/** An image as written to a slot: the manifest it came with, and `measured`, the SHA-256 of the bytes in the slot. */
export interface InstalledImage {
  readonly name: string;
  readonly version: string;
  readonly svn: number;
  readonly digest: Buffer;
  readonly signature: Buffer;
  readonly measured: Buffer;
}

export type Layer = 'rom' | 'bootloader' | 'os' | 'app';

export interface Measurement {
  readonly layer: Layer;
  readonly component: string;
  readonly version: string;
  readonly digest: Buffer;
}

/** Golden values of one application release, from the release pipeline. */
export interface ReferenceRelease {
  readonly name: string;
  readonly version: string;
  readonly svn: number;
  readonly revoked: boolean;
  readonly digest: Buffer;
}

/** What the verifier compares a measurement log with: the platform layers' digests and every app release's. */
export interface ReferenceValues {
  readonly platform: readonly Measurement[];
  readonly releases: readonly ReferenceRelease[];
}

export interface FirmwareCatalog {
  readonly vendorPublicKeyPem: string;
  readonly vendorPublicKey: Ed25519PublicKey;
  readonly releases: readonly FirmwareRelease[];
  /** The platform images every device boots before its application: ROM, bootloader, OS. */
  readonly platform: { readonly rom: FirmwareImage; readonly bootloader: FirmwareImage; readonly os: FirmwareImage };
  /** A release's (or a platform component's) image; throws a RangeError naming the known releases for anything else. */
  image(name: string, version: string): FirmwareImage;
  referenceValues(): ReferenceValues;
  /** True when the manifest's signature verifies with the vendor key (checked once per distinct manifest). */
  signatureValid(image: InstalledImage): boolean;
}

/** The platform components (fixed: the simulated silicon vendor's ROM, bootloader and OS). */
export const PLATFORM: Readonly<Record<Exclude<Layer, 'app'>, FirmwareRelease>> = {
  rom: { name: 'fleetsim-rom', version: '1.0.0', svn: 1, sizeBytes: 16 * 1024 },
  bootloader: { name: 'fleetsim-bootloader', version: '1.0.0', svn: 1, sizeBytes: 64 * 1024 },
  os: { name: 'fleetsim-os', version: '1.0.0', svn: 1, sizeBytes: 256 * 1024 },
};

/** The signed manifest: "fleetsim-manifest\0{name}\0{version}\0{svn}\0" ‖ digest. */
export function manifestBytes(name: string, version: string, svn: number, digest: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`fleetsim-manifest\0${name}\0${version}\0${svn}\0`, 'utf8'), digest]);
}

const CHUNK = Buffer.alloc(64 * 1024);

/** Image bytes: the AES-256-CTR key stream of imageKey(seed, name, version) (zero IV), `size` bytes; fed to `sink` in chunks. */
function imageStream(seed: string, name: string, version: string, size: number, sink: (chunk: Buffer) => void): void {
  const cipher = createCipheriv('aes-256-ctr', imageKey(seed, name, version), Buffer.alloc(16));
  for (let left = size; left > 0; left -= CHUNK.length) sink(cipher.update(left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left)));
}

export function firmwareCatalog(seed: string, releases: readonly FirmwareRelease[]): FirmwareCatalog {
  const vendor = ed25519FromSeed(rootSeed(seed, 'vendor-release'));
  const images = new Map<string, FirmwareImage>();
  const checked = new Map<string, boolean>();
  const all = new Map<string, FirmwareRelease>();
  for (const r of [...Object.values(PLATFORM), ...releases]) {
    if (!Number.isSafeInteger(r.svn) || r.svn < 0) throw new RangeError(`${r.name} ${r.version}: svn must be a non-negative integer, got ${r.svn}`);
    if (!Number.isSafeInteger(r.sizeBytes) || r.sizeBytes <= 0) throw new RangeError(`${r.name} ${r.version}: sizeBytes must be a positive integer, got ${r.sizeBytes}`);
    all.set(`${r.name}@${r.version}`, r);
  }

  const make = (r: FirmwareRelease): FirmwareImage => {
    const h = createHash('sha256');
    imageStream(seed, r.name, r.version, r.sizeBytes, (c) => h.update(c));
    const digest = h.digest();
    let cached: Buffer | undefined;
    return {
      name: r.name,
      version: r.version,
      svn: r.svn,
      size: r.sizeBytes,
      digest,
      signature: ed25519Sign(vendor.privateKey, manifestBytes(r.name, r.version, r.svn, digest)),
      bytes(): Buffer {
        if (cached === undefined) {
          const parts: Buffer[] = [];
          imageStream(seed, r.name, r.version, r.sizeBytes, (c) => parts.push(Buffer.from(c)));
          cached = Buffer.concat(parts);
        }
        return cached;
      },
    };
  };

  const image = (name: string, version: string): FirmwareImage => {
    const key = `${name}@${version}`;
    let img = images.get(key);
    if (img === undefined) {
      const r = all.get(key);
      if (r === undefined) {
        const known = releases.map((x) => `${x.name} ${x.version}`).join(', ') || 'none';
        throw new RangeError(`no firmware release ${name} ${version} in the catalog (known: ${known})`);
      }
      img = make(r);
      images.set(key, img);
    }
    return img;
  };

  const platformImage = (l: Exclude<Layer, 'app'>): FirmwareImage => image(PLATFORM[l].name, PLATFORM[l].version);
  const platform = { rom: platformImage('rom'), bootloader: platformImage('bootloader'), os: platformImage('os') };
  let refs: ReferenceValues | undefined;

  return {
    vendorPublicKeyPem: publicKeyPem(vendor.publicKey),
    vendorPublicKey: vendor.publicKey,
    releases,
    platform,
    image,
    referenceValues(): ReferenceValues {
      refs ??= {
        platform: (['rom', 'bootloader', 'os'] as const).map((layer) => measurementOf(layer, platform[layer])),
        releases: releases.map((r) => ({ name: r.name, version: r.version, svn: r.svn, revoked: r.revoked === true, digest: image(r.name, r.version).digest })),
      };
      return refs;
    },
    signatureValid(img: InstalledImage): boolean {
      const key = `${img.name}\0${img.version}\0${img.svn}\0${img.digest.toString('hex')}\0${img.signature.toString('hex')}`;
      let ok = checked.get(key);
      if (ok === undefined) {
        ok = ed25519Verify(vendor.publicKey, manifestBytes(img.name, img.version, img.svn, img.digest), img.signature);
        checked.set(key, ok);
      }
      return ok;
    },
  };
}

/** The measurement a layer records for an image it is about to run. */
export function measurementOf(layer: Layer, img: Pick<InstalledImage, 'name' | 'version'> & ({ measured: Buffer } | { digest: Buffer })): Measurement {
  return { layer, component: img.name, version: img.version, digest: 'measured' in img ? img.measured : img.digest };
}

/** An intact copy of a vendor image, as the factory or a good download writes it. */
export function installed(image: FirmwareImage): InstalledImage {
  return { name: image.name, version: image.version, svn: image.svn, digest: image.digest, signature: image.signature, measured: image.digest };
}

/** A downloaded image: the vendor's manifest, and the digest of the bytes that actually arrived. */
export function installedFromBytes(manifest: FirmwareImage, bytes: Buffer): InstalledImage {
  return { ...installed(manifest), measured: createHash('sha256').update(bytes).digest() };
}

/**
 * An image an attacker (or a bad download) changed after signing: the manifest is the vendor's, the bytes are not.
 * The measured digest stands for the SHA-256 of the patched bytes: SHA-256("fleetsim-patched" ‖ digest ‖ patch), so
 * a fleet of compromised devices costs no re-hashing of megabytes; distinct patches give distinct digests.
 */
export function tampered(image: FirmwareImage | InstalledImage, patch = 'implant'): InstalledImage {
  const base = 'measured' in image ? image : installed(image);
  return { ...base, measured: createHash('sha256').update('fleetsim-patched').update(base.digest).update(patch).digest() };
}

/** An image without the vendor's signature (built by someone else, or the signature stripped). */
export function unsigned(image: FirmwareImage | InstalledImage): InstalledImage {
  const base = 'measured' in image ? image : installed(image);
  return { ...base, signature: Buffer.alloc(0) };
}
