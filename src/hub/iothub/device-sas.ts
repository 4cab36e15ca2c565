/**
 * A device's SAS token checked against its registry keys, as IoT Hub does at MQTT CONNECT and on every HTTPS device
 * request: signed for `{hostName}/devices/{deviceId}` with the primary key, or else the secondary one.
 */
import { type SasVerifyResult, deviceResource, verifySasToken } from '../../iothub/index.js';

export function verifyDeviceSas(token: string, keys: { primaryKey: string; secondaryKey: string }, hostName: string, deviceId: string, nowS: number): SasVerifyResult {
  const o = { resource: deviceResource(hostName, deviceId), nowS };
  const check = verifySasToken(token, { ...o, keyBase64: keys.primaryKey });
  return !check.ok && check.reason === 'bad-signature' ? verifySasToken(token, { ...o, keyBase64: keys.secondaryKey }) : check;
}
