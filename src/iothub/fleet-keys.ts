import { createHmac } from 'node:crypto';
import { deriveDeviceKey } from './sas.js';

/** The embedded hub's host name: devices sign their SAS tokens for it, the hub verifies them against it. */
export const EMBEDDED_HUB_HOST = 'embedded.fleetsim.local';
/** The embedded hub's DPS ID scope. */
export const EMBEDDED_ID_SCOPE = '0ne0F1EE700';

/**
 * A fleet's group key when the scenario gives none: derived from the seed and the fleet id, so the same scenario and
 * seed always give the same device keys (and the embedded hub can register the devices without storing keys).
 */
export function seededGroupKey(seed: string, fleetId: string): string {
  return createHmac('sha256', 'fleetsim iothub group key').update(`${seed}\u001f${fleetId}`).digest('base64');
}

/** A device's symmetric key under its fleet's group key (the DPS group-enrollment derivation, reference §3). */
export function fleetDeviceKey(groupKey: string, deviceId: string): string {
  return deriveDeviceKey(groupKey, deviceId);
}
