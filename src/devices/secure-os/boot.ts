/**
 * Secure boot and DICE measured boot of one device: ROM → bootloader → OS → application. Each layer verifies the
 * next image's signed manifest (secure boot), measures it into the log, and derives the next CDI from its own CDI and
 * that measurement (and the debug mode, from the bootloader on). The DeviceID key comes from CDI_L1 (stable across
 * OS and application updates), the Alias key from the last CDI (changes with any firmware change).
 */
import { createHash } from 'node:crypto';
import { ed25519FromSeed, ed25519Sign, privateKeyPem } from '../../core/ed25519.js';
import { aliasCertificate, deviceIdName, factoryCa } from './certs.js';
import { type FirmwareCatalog, type InstalledImage, type Measurement, installed, measurementOf } from './firmware.js';
import { deviceSecret, keySeed, modeByte, nextCdi } from './kdf.js';

export type BootRefusal = 'UNSIGNED_IMAGE' | 'ROLLBACK' | 'CORRUPT_IMAGE';

/** Who the device is: the scenario seed, its global index, its id, and the plan's start time (certificate validity). */
export interface SecureDeviceSpec {
  readonly seed: string;
  readonly globalIndex: number;
  readonly deviceId: string;
  readonly startTimeMs: number;
}

/** Compromises an attacker can make at boot (for compromise injection). */
export interface BootAttack {
  /** A bootloader exploit: the application runs without its signature and digest being checked (tampered image). */
  readonly skipSecureBoot?: boolean;
  /** The anti-rollback check is bypassed (an old or revoked, but vendor-signed, release is booted). */
  readonly skipAntiRollback?: boolean;
  /** Clone: present another device's DeviceID certificate and id; the keys still come from this device's own UDS. */
  readonly clone?: { readonly deviceId: string; readonly deviceIdCertDer: Buffer };
}

export interface BootOptions {
  readonly device: SecureDeviceSpec;
  readonly catalog: FirmwareCatalog;
  /** The image in the slot being booted. */
  readonly app: InstalledImage;
  /** The device's anti-rollback counter (lowest svn it accepts); default 0. */
  readonly antiRollback?: number;
  /** Debug mode (a debug strap or unlocked debug port): measured into the CDI and flagged in the Alias certificate. */
  readonly debug?: boolean;
  readonly attack?: BootAttack;
}

export interface BootResult {
  /** false: secure boot refused the application image (`refusal`); no Alias identity then. */
  readonly ok: boolean;
  readonly refusal?: BootRefusal;
  /** The id the device presents (its own, or the victim's for a clone). */
  readonly deviceId: string;
  /** The measurement log, one per layer, in boot order (three entries when the application was refused). */
  readonly measurements: readonly Measurement[];
  /** SHA-256 of the application image actually in the slot. */
  readonly fwid: Buffer;
  readonly debug: boolean;
  /** The application that booted (or was refused). */
  readonly app: InstalledImage;
  /** Signed by the DeviceID key; carries FWID, log digest and debug flag (TcbInfo). Empty when `ok` is false. */
  readonly aliasCertDer: Buffer;
  /** Signed by the factory CA at manufacture. */
  readonly deviceIdCertDer: Buffer;
  /** Raw Ed25519 Alias public key (empty when `ok` is false). */
  readonly aliasPublicKey: Buffer;
  /** Sign with the Alias key (Ed25519); throws when `ok` is false. */
  sign(data: Buffer): Buffer;
  /** The Alias private key as PKCS#8 PEM (TLS client key for an X.509 credential); throws when `ok` is false. */
  aliasKeyPem(): string;
}

/** The secure-boot verdict on an image: undefined when it may run. Order: signature, digest, anti-rollback. */
export function secureBootCheck(image: InstalledImage, catalog: FirmwareCatalog, antiRollback: number, attack: BootAttack = {}): BootRefusal | undefined {
  if (attack.skipSecureBoot !== true) {
    if (!catalog.signatureValid(image)) return 'UNSIGNED_IMAGE';
    if (!image.measured.equals(image.digest)) return 'CORRUPT_IMAGE';
  }
  if (attack.skipAntiRollback !== true && attack.skipSecureBoot !== true && image.svn < antiRollback) return 'ROLLBACK';
  return undefined;
}

/** SHA-256 over the log: for each entry, layer ‖ 0 ‖ component ‖ 0 ‖ version ‖ 0 ‖ digest. */
export function logDigest(measurements: readonly Measurement[]): Buffer {
  const h = createHash('sha256');
  for (const m of measurements) h.update(`${m.layer}\0${m.component}\0${m.version}\0`, 'utf8').update(m.digest);
  return h.digest();
}

function refusedKey(): never {
  throw new Error('secure boot refused the application: this boot has no Alias key');
}

export function boot(o: BootOptions): BootResult {
  const { device, catalog, app } = o;
  const debug = o.debug === true;
  const attack = o.attack ?? {};
  const mode = modeByte(debug);
  const { rom, bootloader, os } = catalog.platform;
  const platform = [measurementOf('rom', rom), measurementOf('bootloader', bootloader), measurementOf('os', os)];

  const uds = deviceSecret(device.seed, device.globalIndex);
  const cdi1 = nextCdi(uds, bootloader.digest);
  const deviceIdKeys = ed25519FromSeed(keySeed(cdi1, 'DeviceID'));
  const factory = factoryCa(device.seed, device.startTimeMs);
  const deviceId = attack.clone?.deviceId ?? device.deviceId;
  const deviceIdCertDer = attack.clone?.deviceIdCertDer ?? factory.issueDeviceId(device.deviceId, deviceIdKeys.publicRaw);

  const refusal = secureBootCheck(app, catalog, o.antiRollback ?? 0, attack);
  if (refusal !== undefined) {
    return {
      ok: false, refusal, deviceId, measurements: platform, fwid: app.measured, debug, app,
      aliasCertDer: Buffer.alloc(0), deviceIdCertDer, aliasPublicKey: Buffer.alloc(0), sign: refusedKey, aliasKeyPem: refusedKey,
    };
  }
  const cdi2 = nextCdi(cdi1, os.digest, mode);
  const cdi3 = nextCdi(cdi2, app.measured, mode);
  const alias = ed25519FromSeed(keySeed(cdi3, 'Alias'));
  const measurements = [...platform, measurementOf('app', app)];
  const aliasCertDer = aliasCertificate({
    deviceId,
    aliasPublic: alias.publicRaw,
    deviceIdPublic: deviceIdKeys.publicRaw,
    deviceIdKey: deviceIdKeys.privateKey,
    issuerName: deviceIdName(deviceId),
    startTimeMs: device.startTimeMs,
    tcb: { vendor: 'fleetsim', model: app.name, version: app.version, svn: app.svn, layer: 3, fwid: app.measured, logDigest: logDigest(measurements), debug },
  });
  return {
    ok: true, deviceId, measurements, fwid: app.measured, debug, app, aliasCertDer, deviceIdCertDer, aliasPublicKey: alias.publicRaw,
    sign: (data) => ed25519Sign(alias.privateKey, data),
    aliasKeyPem: () => privateKeyPem(alias.privateKey),
  };
}

/** The release a device was built with, installed intact (convenience for the factory state). */
export function factoryImage(catalog: FirmwareCatalog, name: string, version: string): InstalledImage {
  return installed(catalog.image(name, version));
}
