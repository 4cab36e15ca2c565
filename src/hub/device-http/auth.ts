/**
 * Device authentication on the HTTPS endpoints: `Authorization: SharedAccessSignature sr={host}/devices/{id}&sig=…&se=…`,
 * verified exactly as at MQTT CONNECT (src/iothub/sas.ts: the resource as sent, primary then secondary key, expiry),
 * for the device named in the path. A token for another device covers a different resource and is refused (401), so
 * device A cannot post as B. An unregistered device is 404001; a disabled one 401.
 */
import type { IncomingMessage } from 'node:http';
import { verifyDeviceSas } from '../iothub/device-sas.js';
import type { Clock } from '../../core/clock.js';
import type { IotHubGateway } from '../iothub-gateway.js';
import { notFound } from '../iothub/registry.js';
import type { AuthFailure } from '../service-api/auth.js';
import { header } from '../service-api/http.js';

export type DeviceAuthFailure = AuthFailure | 'disabled' | 'not-sas';

/** Null when the request carries a valid token of `deviceId`; throws 404001 for an unknown device. */
export function checkDeviceAuthorization(req: IncomingMessage, gateway: IotHubGateway, hostName: string, deviceId: string, clock: Clock): DeviceAuthFailure | null {
  const token = header(req, 'authorization');
  if (token === undefined || token === '') return 'missing';
  const device = gateway.registry.lookup(deviceId);
  if (device === undefined) throw notFound(deviceId);
  if (device.status !== 'enabled') return 'disabled';
  const auth = device.authentication;
  if (auth.type !== 'sas') return 'not-sas';
  const check = verifyDeviceSas(token, auth, hostName, deviceId, Math.floor(clock.now() / 1000));
  return check.ok ? null : check.reason;
}
