/** Device side of the secure OS layer (pure): fuse secret, firmware catalog, DICE measured boot, A/B slots, evidence. See docs/secure-os.md. */
export { deviceSecret } from './kdf.js';
export {
  type FirmwareCatalog, type FirmwareImage, type FirmwareRelease, type InstalledImage, type Layer, type Measurement,
  type ReferenceRelease, type ReferenceValues, PLATFORM, firmwareCatalog, installed, installedFromBytes, manifestBytes, tampered, unsigned,
} from './firmware.js';
export { type FactoryCa, type TcbInfo, OID_TCB_INFO, decodeTcbInfo, factoryCa } from './certs.js';
export { type BootAttack, type BootOptions, type BootRefusal, type BootResult, type SecureDeviceSpec, boot, factoryImage, logDigest, secureBootCheck } from './boot.js';
export { type Evidence, evidenceDigest, lyingEvidence, makeEvidence, replayed } from './evidence.js';
export { type SlotName, type SlotState, type SlotStep, activeImage, bootInactive, commit, factorySlots, inactiveImage, rollback, writeInactive } from './slots.js';
