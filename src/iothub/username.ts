/**
 * MQTT CONNECT usernames for IoT Hub (§1.2) and DPS (§3).
 */
import { safeDecode, splitQuery } from './encoding.js';

/** api-version the current SDKs and the docs use on the hub (§1.2). */
export const HUB_API_VERSION = '2021-04-12';
/** api-version of DPS over MQTT (§3). */
export const DPS_API_VERSION = '2019-03-31';

export interface HubUsername {
  host: string;
  deviceId: string;
  moduleId?: string;
  apiVersion: string;
  modelId?: string;
  clientType?: string;
}

export interface DpsUsername {
  idScope: string;
  registrationId: string;
  apiVersion: string;
}

/** Model ids (DTMI: letters, digits, `_`, `:`, `;`) go out raw as the Node SDK sends them (§1.2); anything else is escaped. */
function modelIdParam(m: string): string {
  return /^[A-Za-z0-9_:;.-]*$/.test(m) ? m : encodeURIComponent(m);
}

/**
 * Hub username as the Node SDK builds it (§1.2):
 * `{host}/{deviceId}[/{moduleId}]/?api-version={v}[&model-id={m}][&DeviceClientType={urlenc(ct)}]`.
 */
export function hubUsername(
  host: string,
  deviceId: string,
  o: { moduleId?: string; modelId?: string; apiVersion?: string; clientType?: string } = {},
): string {
  let u = `${host}/${deviceId}/` + (o.moduleId !== undefined ? `${o.moduleId}/` : '');
  u += `?api-version=${o.apiVersion ?? HUB_API_VERSION}`;
  if (o.modelId !== undefined) u += `&model-id=${modelIdParam(o.modelId)}`;
  if (o.clientType !== undefined) u += `&DeviceClientType=${encodeURIComponent(o.clientType)}`;
  return u;
}

/** Query parameters of a username: first occurrence of a key wins, values URI-unescaped (IoT Edge `ParseDeviceClientType`). */
function usernameParams(q: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const [k, v] of splitQuery(q)) if (!m.has(k)) m.set(k, safeDecode(v ?? ''));
  return m;
}

/**
 * Parses a hub username as leniently as IoT Edge's MqttUsernameParser (§1.2): `host/dev/?q`,
 * `host/dev/mod/?q`, and the legacy `host/dev/q` / `host/dev/mod/q` forms whose last segment contains
 * `api-version=` (plus the old `…/api-version=…/DeviceClientType=a/b` form with a raw slash).
 * Query values are URI-unescaped; api-version is mandatory (value not checked); unknown params ignored.
 * Unlike IoT Edge, `{scope}/registrations/{id}/api-version=…` (a DPS username, §3) is refused.
 * `undefined` when the shape is wrong or host, device id or api-version is missing.
 */
export function parseHubUsername(u: string): HubUsername | undefined {
  const seg = u.split('/');
  const last = seg[seg.length - 1] ?? '';
  let deviceId: string | undefined;
  let moduleId: string | undefined;
  let params: Map<string, string>;
  if (last.startsWith('?')) {
    if (seg.length !== 3 && seg.length !== 4) return undefined;
    deviceId = seg[1];
    if (seg.length === 4) moduleId = seg[2];
    params = usernameParams(last.slice(1).trim());
  } else if ((seg.length === 3 || seg.length === 4) && last.includes('api-version=')) {
    // A DPS username has the same shape as a legacy module username; keep them apart.
    if (seg.length === 4 && seg[1] === 'registrations') return undefined;
    deviceId = seg[1];
    if (seg.length === 4) moduleId = seg[2];
    params = usernameParams(last.trim());
  } else if (seg.length >= 5 && (seg[3] ?? '').startsWith('api-version=') && (seg[4] ?? '').startsWith('DeviceClientType=')) {
    // Old .NET client (IoT Edge special case): host/dev/mod/api-version=…/DeviceClientType=Name/1.5.1
    deviceId = seg[1];
    moduleId = seg[2];
    params = usernameParams(seg[3] ?? '');
    params.set('DeviceClientType', safeDecode(seg.slice(4).join('/').slice('DeviceClientType='.length)));
  } else {
    return undefined;
  }
  const host = seg[0]?.trim() ?? '';
  deviceId = deviceId?.trim() ?? '';
  const apiVersion = params.get('api-version');
  if (host === '' || deviceId === '' || apiVersion === undefined || apiVersion.trim() === '') return undefined;
  const out: HubUsername = { host, deviceId, apiVersion };
  moduleId = moduleId?.trim();
  if (moduleId !== undefined && moduleId !== '') out.moduleId = moduleId;
  else if (moduleId === '') return undefined;
  const modelId = params.get('model-id');
  if (modelId !== undefined && modelId.trim() !== '') out.modelId = modelId;
  const clientType = params.get('DeviceClientType');
  if (clientType !== undefined) out.clientType = clientType;
  return out;
}

/**
 * DPS username (§3): `{idScope}/registrations/{registrationId}/api-version={v}[&ClientVersion={urlenc(cv)}]`
 * — no `?`, unlike the hub (trap §0.8).
 */
export function dpsUsername(
  idScope: string,
  registrationId: string,
  o: { apiVersion?: string; clientVersion?: string } = {},
): string {
  return (
    `${idScope}/registrations/${registrationId}/api-version=${o.apiVersion ?? DPS_API_VERSION}` +
    (o.clientVersion !== undefined ? `&ClientVersion=${encodeURIComponent(o.clientVersion)}` : '')
  );
}

/**
 * Parses a DPS username (§3, §9 observed line); tolerates a `?` before the query. api-version is
 * mandatory; `undefined` otherwise or when the shape is not `{scope}/registrations/{id}/{query}`.
 */
export function parseDpsUsername(u: string): DpsUsername | undefined {
  const seg = u.split('/');
  if (seg.length !== 4 || seg[1] !== 'registrations') return undefined;
  const idScope = seg[0] ?? '';
  const registrationId = seg[2] ?? '';
  let q = seg[3] ?? '';
  if (q.startsWith('?')) q = q.slice(1);
  const apiVersion = usernameParams(q).get('api-version');
  if (idScope === '' || registrationId === '' || apiVersion === undefined || apiVersion === '') return undefined;
  return { idScope, registrationId, apiVersion };
}
