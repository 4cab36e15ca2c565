/**
 * Service authentication: `Authorization: SharedAccessSignature sr=<host>&sig=…&se=…&skn=<policy>`, signed with the
 * hub's owner key over the host name (reference §1.3: service tokens are scoped to `{hubHost}`). A token scoped to
 * a device (`{host}/devices/{id}`) does not cover the hub and is refused, as is a token of another policy name.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { parseSasToken, verifySasToken } from '../../iothub/index.js';
import type { Clock } from '../../core/clock.js';
import { header, sendJson } from './http.js';

export interface ServiceAuthOptions {
  hostName: string;
  /** Key of the owner policy (base64). */
  serviceKey: string;
  /** Name the token must carry in `skn` (the hub has one policy; default `iothubowner`). */
  policyName: string;
  clock: Clock;
}

export type AuthFailure = 'missing' | 'malformed' | 'wrong-policy' | 'wrong-resource' | 'bad-signature' | 'expired';

/** Null when the request is authorised, else why not. */
export function checkAuthorization(req: IncomingMessage, o: ServiceAuthOptions): AuthFailure | null {
  const token = header(req, 'authorization');
  if (token === undefined || token === '') return 'missing';
  const fields = parseSasToken(token);
  if (fields === undefined) return 'malformed';
  if (fields.skn === undefined || decodeURIComponentSafe(fields.skn) !== o.policyName) return 'wrong-policy';
  const check = verifySasToken(token, { resource: o.hostName, keyBase64: o.serviceKey, nowS: Math.floor(o.clock.now() / 1000) });
  return check.ok ? null : check.reason;
}

function decodeURIComponentSafe(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** `MM/DD/YYYY HH:mm:ss` (UTC), as IoT Hub prints the time stamp of its tracking ids. */
function trackingTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())}/${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

/**
 * 401 exactly as IoT Hub's REST front end answers it: `iothub-errorcode: IotHubUnauthorizedAccess` and
 * `{"Message":"ErrorCode:IotHubUnauthorizedAccess;Unauthorized","ExceptionMessage":"Tracking ID:…-G:0-TimeStamp:…"}`
 * (the real hub never says why; fleetsim adds the reason in an `x-fleetsim-auth-failure` header for debugging).
 */
export function sendUnauthorized(res: ServerResponse, reason: string, clock: Clock): void {
  const trackingId = randomUUID().replaceAll('-', '');
  sendJson(
    res,
    401,
    { Message: 'ErrorCode:IotHubUnauthorizedAccess;Unauthorized', ExceptionMessage: `Tracking ID:${trackingId}-G:0-TimeStamp:${trackingTime(clock.now())}` },
    { 'iothub-errorcode': 'IotHubUnauthorizedAccess', 'x-fleetsim-auth-failure': reason },
  );
}
