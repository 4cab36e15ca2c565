/**
 * A/B firmware slots (pure state transitions): an update is written to the inactive slot, verified by secure boot,
 * booted once as a trial, then committed on a passing health check (the anti-rollback counter advances to its svn
 * only then) or rolled back to the previous slot. Switching back to a slot whose svn is below the counter is refused.
 */
import { type BootAttack, type BootRefusal, secureBootCheck } from './boot.js';
import type { FirmwareCatalog, InstalledImage } from './firmware.js';

export type SlotName = 'a' | 'b';

export interface SlotState {
  readonly active: SlotName;
  readonly a: InstalledImage | undefined;
  readonly b: InstalledImage | undefined;
  /** The active slot is on its trial boot (not committed yet). */
  readonly trial: boolean;
  /** Anti-rollback counter: the lowest svn secure boot accepts. */
  readonly counter: number;
}

export type SlotStep = { readonly ok: true; readonly state: SlotState } | { readonly ok: false; readonly refusal: BootRefusal; readonly state: SlotState };

const other = (s: SlotName): SlotName => (s === 'a' ? 'b' : 'a');

/** Factory state: `image` in slot a, committed; the counter at its svn. */
export function factorySlots(image: InstalledImage): SlotState {
  return { active: 'a', a: image, b: undefined, trial: false, counter: image.svn };
}

export function activeImage(s: SlotState): InstalledImage {
  const img = s[s.active];
  if (img === undefined) throw new Error(`slot ${s.active} is empty`);
  return img;
}

export function inactiveImage(s: SlotState): InstalledImage | undefined {
  return s[other(s.active)];
}

/** Write `image` to the inactive slot (what a download does). */
export function writeInactive(s: SlotState, image: InstalledImage): SlotState {
  return other(s.active) === 'a' ? { ...s, a: image } : { ...s, b: image };
}

/**
 * Verify the inactive slot and make it active for one trial boot. Refused (state unchanged) when secure boot refuses
 * it: UNSIGNED_IMAGE, CORRUPT_IMAGE, or ROLLBACK (svn below the counter, unless the attack bypasses it).
 */
export function bootInactive(s: SlotState, catalog: FirmwareCatalog, attack: BootAttack = {}): SlotStep {
  const img = inactiveImage(s);
  if (img === undefined) return { ok: false, refusal: 'UNSIGNED_IMAGE', state: s };
  const refusal = secureBootCheck(img, catalog, s.counter, attack);
  if (refusal !== undefined) return { ok: false, refusal, state: s };
  return { ok: true, state: { ...s, active: other(s.active), trial: true } };
}

/** The health check passed: keep the active slot; the counter advances to its svn (never backwards). */
export function commit(s: SlotState): SlotState {
  return { ...s, trial: false, counter: Math.max(s.counter, activeImage(s).svn) };
}

/**
 * Go back to the other slot (a failed health check during a trial, or a deliberate rollback). Refused with ROLLBACK
 * when that slot's svn is below the counter (a committed update cannot be undone to an older security version).
 */
export function rollback(s: SlotState): SlotStep {
  const prev = inactiveImage(s);
  if (prev === undefined) return { ok: false, refusal: 'UNSIGNED_IMAGE', state: s };
  if (prev.svn < s.counter) return { ok: false, refusal: 'ROLLBACK', state: s };
  return { ok: true, state: { ...s, active: other(s.active), trial: false } };
}
