/**
 * Who an MQTT CONNECT to the hub proves to be, as IoT Hub judges it (reference §1.2–1.4), or why not with the CONNACK
 * code IoT Hub answers: a service client (fleetsim's extension: client id `$service…`, a service SAS over the host
 * name), or a registered, enabled device by its username (no modules), its client id, and its SAS token or, for
 * X.509 devices, the certificate chain from the TLS handshake and no password.
 */
import { parseHubUsername, verifySasToken } from '../../iothub/index.js';
import { verifyDeviceSas } from './device-sas.js';
import type { DeviceRegistry } from './registry.js';
import { checkX509 } from './x509-auth.js';

/** CONNACK return codes as IoT Hub uses them (reference §1.7). */
export const CONNACK = { ok: 0, identifierRejected: 2, serverUnavailable: 3, notAuthorized: 5 } as const;
export const SERVICE_PREFIX = '$service';

export type ConnectVerdict =
  | { readonly kind: 'service' }
  /** sasExpiryMs: undefined for X.509 devices. */
  | { readonly kind: 'device'; readonly deviceId: string; readonly sasExpiryMs: number | undefined }
  | { readonly kind: 'refused'; readonly reason: string; readonly code: number };

export interface ConnectAttempt {
  readonly clientId: string;
  readonly username: string | undefined;
  readonly password: Buffer | undefined;
  /** The presented TLS chain, leaf first (asked only for X.509 devices). */
  readonly peerCertificates: () => Buffer[];
}

export interface HubCredentials {
  readonly hostName: string;
  readonly serviceKey: string;
  readonly registry: DeviceRegistry;
  /** The hub's trusted CAs (PEM) for certificateAuthority devices. */
  readonly anchors: () => readonly string[];
  readonly nowMs: number;
}

const refused = (reason: string, code: number = CONNACK.notAuthorized): ConnectVerdict => ({ kind: 'refused', reason, code });

export function judgeConnect(a: ConnectAttempt, hub: HubCredentials): ConnectVerdict {
  const token = a.password?.toString('utf8');
  const nowS = Math.floor(hub.nowMs / 1000);
  if (a.clientId.startsWith(SERVICE_PREFIX)) {
    if (token === undefined) return refused('service-no-token');
    const check = verifySasToken(token, { resource: hub.hostName, keyBase64: hub.serviceKey, nowS });
    return check.ok ? { kind: 'service' } : refused(`service-${check.reason}`);
  }
  const user = a.username === undefined ? undefined : parseHubUsername(a.username);
  if (user === undefined) return refused('bad-username');
  if (user.moduleId !== undefined) return refused('modules-unsupported');
  if (a.clientId !== user.deviceId) return refused('client-id-mismatch', CONNACK.identifierRejected);
  const device = hub.registry.lookup(user.deviceId);
  if (device === undefined) return refused('unknown-device');
  if (device.status !== 'enabled') return refused('disabled');
  const auth = device.authentication;
  if (auth.type === 'sas') {
    if (token === undefined || token === '') return refused('no-sas');
    const check = verifyDeviceSas(token, auth, hub.hostName, user.deviceId, nowS);
    return check.ok ? { kind: 'device', deviceId: user.deviceId, sasExpiryMs: check.expiry * 1000 } : refused(check.reason);
  }
  if (token !== undefined && token !== '') return refused('password-with-x509');
  const refusal = checkX509(auth, user.deviceId, a.peerCertificates(), hub.anchors, hub.nowMs);
  return refusal === undefined ? { kind: 'device', deviceId: user.deviceId, sasExpiryMs: undefined } : refused(refusal);
}
