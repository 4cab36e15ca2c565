/**
 * MQTT topic names and filters of IoT Hub (§2.6, §2.5, §2.8) and DPS (§3): builders, parsers for both
 * directions, and the hub-side authorisation of who may publish/subscribe where (§0.1, §1.6).
 * Request ids, versions and operation ids are opaque tokens kept exactly as transmitted.
 */
import { splitQuery } from './encoding.js';
import { type MessageProperties, formatPropertyBag, parsePropertyBag } from './properties.js';

export const METHODS_SUBSCRIPTION = '$iothub/methods/POST/#';
export const TWIN_RESPONSE_SUBSCRIPTION = '$iothub/twin/res/#';
export const DESIRED_SUBSCRIPTION = '$iothub/twin/PATCH/properties/desired/#';
export const DPS_RESPONSE_SUBSCRIPTION = '$dps/registrations/res/#';
/** Certificate-renewal responses (§2.8, preview). */
export const CREDENTIALS_RESPONSE_SUBSCRIPTION = '$iothub/credentials/res/#';

/** What a device (or DPS client) publishes, as the hub/DPS sees it. */
export type DeviceTopic =
  | { kind: 'telemetry'; deviceId: string; moduleId?: string; properties: MessageProperties }
  | { kind: 'twin-get'; rid: string }
  | { kind: 'twin-patch-reported'; rid: string; version?: number }
  | { kind: 'method-response'; status: number; rid: string }
  | { kind: 'dps-register'; rid: string }
  | { kind: 'dps-poll'; rid: string; operationId: string };

/** What the hub (or DPS) publishes, as a device sees it. */
export type HubTopic =
  | { kind: 'c2d'; deviceId: string; properties: MessageProperties }
  | { kind: 'method-request'; name: string; rid: string }
  | { kind: 'twin-response'; status: number; rid: string; version?: number }
  | { kind: 'desired-patch'; version: number }
  | { kind: 'dps-response'; status: number; rid: string; retryAfterS?: number };

// ---------------------------------------------------------------------------------------------------
// validation of the pieces a builder splices into a topic

/** Device ids, module ids and method names: one non-empty topic level, no MQTT wildcard, no NUL. */
function isLevel(s: string): boolean {
  return s !== '' && !/[/+#\u0000]/.test(s);
}
/** rid / operationId: additionally no `?`, `&`, `=` or whitespace, so the query stays parseable. */
function isToken(s: string): boolean {
  return s !== '' && !/[/+#?&=\s\u0000]/.test(s);
}
function need(ok: boolean, what: string, v: unknown): void {
  if (!ok) throw new TypeError(`invalid ${what} for an IoT Hub topic: ${JSON.stringify(v)}`);
}
function level(what: string, s: string): string {
  need(isLevel(s), what, s);
  return s;
}
function token(what: string, s: string): string {
  need(isToken(s), what, s);
  return s;
}
function int(what: string, n: number, min: number): number {
  need(Number.isSafeInteger(n) && n >= min, what, n);
  return n;
}

// ---------------------------------------------------------------------------------------------------
// builders

function bag(props: MessageProperties | undefined): string {
  return props === undefined ? '' : formatPropertyBag(props);
}

/** D2C telemetry topic (§2.1, §2.5): `devices/{d}[/modules/{m}]/messages/events/{props}` (trailing `/` when no props). */
export function telemetryTopic(deviceId: string, props?: MessageProperties, moduleId?: string): string {
  const mod = moduleId !== undefined ? `modules/${level('module id', moduleId)}/` : '';
  return `devices/${level('device id', deviceId)}/${mod}messages/events/${bag(props)}`;
}

/** C2D topic the hub publishes to (§2.2): `devices/{d}/messages/devicebound/{props}` (trailing `/` when no props). */
export function c2dTopic(deviceId: string, props?: MessageProperties): string {
  return `devices/${level('device id', deviceId)}/messages/devicebound/${bag(props)}`;
}

/** The device's C2D subscription filter (§2.2): `devices/{d}/messages/devicebound/#`. */
export function c2dSubscription(deviceId: string): string {
  return `devices/${level('device id', deviceId)}/messages/devicebound/#`;
}

/** Module input topic the hub (IoT Edge) publishes to (§2.2, §2.5): `devices/{d}/modules/{m}/inputs/{input}/{props}`. */
export function moduleInputTopic(deviceId: string, moduleId: string, input: string, props?: MessageProperties): string {
  return `devices/${level('device id', deviceId)}/modules/${level('module id', moduleId)}/inputs/${level('input name', input)}/${bag(props)}`;
}

/** Direct-method request, hub → device (§2.3), keeping the `/` before `?` (trap §0.5). */
export function methodRequestTopic(name: string, rid: string): string {
  return `$iothub/methods/POST/${level('method name', name)}/?$rid=${token('rid', rid)}`;
}

/** Direct-method response, device → hub (§2.3): `$iothub/methods/res/{status}/?$rid={rid}`. */
export function methodResponseTopic(status: number, rid: string): string {
  need(Number.isSafeInteger(status), 'method status', status);
  return `$iothub/methods/res/${status}/?$rid=${token('rid', rid)}`;
}

/** Twin GET request (§2.4): `$iothub/twin/GET/?$rid={rid}`. */
export function twinGetTopic(rid: string): string {
  return `$iothub/twin/GET/?$rid=${token('rid', rid)}`;
}

/** Reported-properties PATCH request (§2.4): `$iothub/twin/PATCH/properties/reported/?$rid={rid}`. */
export function twinPatchReportedTopic(rid: string): string {
  return `$iothub/twin/PATCH/properties/reported/?$rid=${token('rid', rid)}`;
}

/** Twin response, hub → device (§2.4): `$iothub/twin/res/{status}/?$rid={rid}[&$version={v}]`. */
export function twinResponseTopic(status: number, rid: string, version?: number): string {
  const v = version !== undefined ? `&$version=${int('twin version', version, 0)}` : '';
  return `$iothub/twin/res/${int('twin status', status, 0)}/?$rid=${token('rid', rid)}${v}`;
}

/** Desired-properties patch, hub → device (§2.4): `$iothub/twin/PATCH/properties/desired/?$version={v}`. */
export function desiredPatchTopic(version: number): string {
  return `$iothub/twin/PATCH/properties/desired/?$version=${int('twin version', version, 0)}`;
}

/** DPS register request (§3 step 2): `$dps/registrations/PUT/iotdps-register/?$rid={rid}`. */
export function dpsRegisterTopic(rid: string): string {
  return `$dps/registrations/PUT/iotdps-register/?$rid=${token('rid', rid)}`;
}

/** DPS operation-status poll (§3 step 4): `$dps/registrations/GET/iotdps-get-operationstatus/?$rid={rid}&operationId={op}`. */
export function dpsPollTopic(rid: string, operationId: string): string {
  return `$dps/registrations/GET/iotdps-get-operationstatus/?$rid=${token('rid', rid)}&operationId=${token('operationId', operationId)}`;
}

/** DPS response (§3 steps 3, 5): `$dps/registrations/res/{status}/?$rid={rid}[&retry-after={s}]`. */
export function dpsResponseTopic(status: number, rid: string, retryAfterS?: number): string {
  const ra = retryAfterS !== undefined ? `&retry-after=${int('retry-after', retryAfterS, 0)}` : '';
  return `$dps/registrations/res/${int('DPS status', status, 0)}/?$rid=${token('rid', rid)}${ra}`;
}

// ---------------------------------------------------------------------------------------------------
// parsers

/** Topic query → map, or undefined on a duplicate key; values raw. */
function query(q: string): Map<string, string | null> | undefined {
  const m = new Map<string, string | null>();
  for (const [k, v] of splitQuery(q)) {
    if (m.has(k)) return undefined;
    m.set(k, v);
  }
  return m;
}
function ridOf(m: Map<string, string | null>): string | undefined {
  const r = m.get('$rid');
  return r !== undefined && r !== null && isToken(r) ? r : undefined;
}
/** Optional unsigned integer parameter: `null` when absent, `undefined` when present but malformed. */
function uintParam(m: Map<string, string | null>, k: string): number | null | undefined {
  if (!m.has(k)) return null;
  const v = m.get(k);
  return typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : undefined;
}
/** A valid MQTT topic name for PUBLISH: no wildcard, no NUL, not empty. */
function isTopicName(t: string): boolean {
  return t !== '' && !/[+#\u0000]/.test(t);
}

const RE_TELEMETRY = /^devices\/([^/]+)\/(?:modules\/([^/]+)\/)?messages\/events(?:\/([^/]*)\/?)?$/;
const RE_TWIN_GET = /^\$iothub\/twin\/GET\/\?(.*)$/;
const RE_TWIN_PATCH = /^\$iothub\/twin\/PATCH\/properties\/reported\/\?(.*)$/;
const RE_METHOD_RES = /^\$iothub\/methods\/res\/(-?\d{1,9})\/\?(.*)$/;
const RE_DPS_REGISTER = /^\$dps\/registrations\/PUT\/iotdps-register\/\?(.*)$/;
const RE_DPS_POLL = /^\$dps\/registrations\/GET\/iotdps-get-operationstatus\/\?(.*)$/;

/**
 * Parses a topic a device publishes (§2.6 ▲, §3, §9): telemetry (device or module; with or without
 * property bag, trailing `/` optional), twin GET, reported PATCH (optional `$version`), method
 * response, DPS register and poll. Request topics need the `/` before `?` and a `$rid`; anything
 * else (including wildcards and `$iothub/…` topics a device never sends) gives `undefined`.
 */
export function parseDeviceTopic(topic: string): DeviceTopic | undefined {
  if (!isTopicName(topic)) return undefined;
  let m: RegExpExecArray | null;
  if ((m = RE_TELEMETRY.exec(topic))) {
    const [, deviceId = '', moduleId, rawBag = ''] = m;
    const t: DeviceTopic = { kind: 'telemetry', deviceId, properties: parsePropertyBag(rawBag) };
    if (moduleId !== undefined) t.moduleId = moduleId;
    return t;
  }
  if ((m = RE_TWIN_GET.exec(topic))) {
    const q = query(m[1] ?? '');
    const rid = q && ridOf(q);
    return rid !== undefined ? { kind: 'twin-get', rid } : undefined;
  }
  if ((m = RE_TWIN_PATCH.exec(topic))) {
    const q = query(m[1] ?? '');
    const rid = q && ridOf(q);
    if (!q || rid === undefined) return undefined;
    const version = uintParam(q, '$version');
    if (version === undefined) return undefined;
    return version === null ? { kind: 'twin-patch-reported', rid } : { kind: 'twin-patch-reported', rid, version };
  }
  if ((m = RE_METHOD_RES.exec(topic))) {
    const q = query(m[2] ?? '');
    const rid = q && ridOf(q);
    return rid !== undefined ? { kind: 'method-response', status: Number(m[1]), rid } : undefined;
  }
  if ((m = RE_DPS_REGISTER.exec(topic))) {
    const q = query(m[1] ?? '');
    const rid = q && ridOf(q);
    return rid !== undefined ? { kind: 'dps-register', rid } : undefined;
  }
  if ((m = RE_DPS_POLL.exec(topic))) {
    const q = query(m[1] ?? '');
    const rid = q && ridOf(q);
    const operationId = q?.get('operationId');
    if (rid === undefined || typeof operationId !== 'string' || !isToken(operationId)) return undefined;
    return { kind: 'dps-poll', rid, operationId };
  }
  return undefined;
}

const RE_C2D = /^devices\/([^/]+)\/messages\/devicebound\/([^/]*)$/;
const RE_METHOD_REQ = /^\$iothub\/methods\/POST\/([^/?]+)\/\?(.*)$/;
const RE_TWIN_RES = /^\$iothub\/twin\/res\/(\d{1,3})\/\?(.*)$/;
const RE_DESIRED = /^\$iothub\/twin\/PATCH\/properties\/desired\/\?(.*)$/;
const RE_DPS_RES = /^\$dps\/registrations\/res\/(\d{1,3})\/\?(.*)$/;

/**
 * Parses a topic a device receives (§2.6 ▼, §3, §9): C2D (property bag after the trailing `/`),
 * method request, twin response (optional `$version`), desired patch (`$version` mandatory) and DPS
 * response (optional `retry-after`, seconds). Same strictness as `parseDeviceTopic`.
 */
export function parseHubTopic(topic: string): HubTopic | undefined {
  if (!isTopicName(topic)) return undefined;
  let m: RegExpExecArray | null;
  if ((m = RE_C2D.exec(topic))) {
    const [, deviceId = '', rawBag = ''] = m;
    return { kind: 'c2d', deviceId, properties: parsePropertyBag(rawBag) };
  }
  if ((m = RE_METHOD_REQ.exec(topic))) {
    const q = query(m[2] ?? '');
    const rid = q && ridOf(q);
    return rid !== undefined ? { kind: 'method-request', name: m[1] ?? '', rid } : undefined;
  }
  if ((m = RE_TWIN_RES.exec(topic))) {
    const q = query(m[2] ?? '');
    const rid = q && ridOf(q);
    if (!q || rid === undefined) return undefined;
    const version = uintParam(q, '$version');
    if (version === undefined) return undefined;
    const status = Number(m[1]);
    return version === null ? { kind: 'twin-response', status, rid } : { kind: 'twin-response', status, rid, version };
  }
  if ((m = RE_DESIRED.exec(topic))) {
    const q = query(m[1] ?? '');
    const version = q && uintParam(q, '$version');
    return typeof version === 'number' ? { kind: 'desired-patch', version } : undefined;
  }
  if ((m = RE_DPS_RES.exec(topic))) {
    const q = query(m[2] ?? '');
    const rid = q && ridOf(q);
    if (!q || rid === undefined) return undefined;
    const retry = uintParam(q, 'retry-after');
    if (retry === undefined) return undefined;
    const status = Number(m[1]);
    return retry === null ? { kind: 'dps-response', status, rid } : { kind: 'dps-response', status, rid, retryAfterS: retry };
  }
  return undefined;
}

const RE_MODULE_INPUT = /^devices\/([^/]+)\/modules\/([^/]+)\/inputs\/([^/]+)\/([^/]*)$/;

/** Parses a module input topic (§2.2, §2.5); kept apart from `HubTopic` so that union stays as agreed. */
export function parseModuleInputTopic(
  topic: string,
): { deviceId: string; moduleId: string; input: string; properties: MessageProperties } | undefined {
  if (!isTopicName(topic)) return undefined;
  const m = RE_MODULE_INPUT.exec(topic);
  if (!m) return undefined;
  const [, deviceId = '', moduleId = '', input = '', rawBag = ''] = m;
  return { deviceId, moduleId, input, properties: parsePropertyBag(rawBag) };
}

// ---------------------------------------------------------------------------------------------------
// authorisation (hub side)

/** Which endpoint the client connected to: the hub, DPS, or (default) either. */
export interface EndpointOption {
  endpoint?: 'hub' | 'dps';
}

/**
 * May this identity subscribe to `filter`? Exactly the documented filters (§1.6, §2.2–2.4, §2.8, §3),
 * compared as strings: device `devices/{d}/messages/devicebound/#`; module `devices/{d}/modules/{m}/#`
 * and `…/inputs/#`; both `$iothub/methods/POST/#`, `$iothub/twin/res/#`,
 * `$iothub/twin/PATCH/properties/desired/#`, `$iothub/credentials/res/#`; DPS `$dps/registrations/res/#`.
 * `o.endpoint` narrows to the hub or DPS set (default: either).
 */
export function allowedSubscription(filter: string, deviceId: string, moduleId?: string, o: EndpointOption = {}): boolean {
  if (!isLevel(deviceId) || (moduleId !== undefined && !isLevel(moduleId))) return false;
  const hub = o.endpoint !== 'dps';
  const dps = o.endpoint !== 'hub';
  if (dps && filter === DPS_RESPONSE_SUBSCRIPTION) return true;
  if (!hub) return false;
  if (
    filter === METHODS_SUBSCRIPTION ||
    filter === TWIN_RESPONSE_SUBSCRIPTION ||
    filter === DESIRED_SUBSCRIPTION ||
    filter === CREDENTIALS_RESPONSE_SUBSCRIPTION
  ) {
    return true;
  }
  if (moduleId === undefined) return filter === `devices/${deviceId}/messages/devicebound/#`;
  const base = `devices/${deviceId}/modules/${moduleId}/`;
  return filter === `${base}#` || filter === `${base}inputs/#`;
}

/**
 * Hub-side authorisation (§0.1, §1.6): may this device/module publish to, or subscribe to, `topic`?
 * Wildcard filters are allowed only if `allowedSubscription` lists them (so never `#`, `+/…`,
 * `devices/+/…`, `$iothub/#`). Concrete topics: anything under its own `devices/{d}/` (a device:
 * not under `devices/{d}/modules/`; a module: only under `devices/{d}/modules/{m}/`), the `$iothub/…`
 * request topics (twin GET, reported PATCH, method response, certificate request) and, for DPS, the
 * `$dps/registrations/…` register and poll topics. Never another identity's topics.
 */
export function topicBelongsTo(topic: string, deviceId: string, moduleId?: string, o: EndpointOption = {}): boolean {
  if (!isLevel(deviceId) || (moduleId !== undefined && !isLevel(moduleId))) return false;
  if (topic === '' || topic.includes('\u0000')) return false;
  if (/[+#]/.test(topic)) return allowedSubscription(topic, deviceId, moduleId, o);
  const hub = o.endpoint !== 'dps';
  const dps = o.endpoint !== 'hub';
  if (topic.startsWith('$')) {
    const t = parseDeviceTopic(topic);
    if (hub && (t?.kind === 'twin-get' || t?.kind === 'twin-patch-reported' || t?.kind === 'method-response')) return true;
    if (hub && /^\$iothub\/credentials\/POST\/issueCertificate\/\?/.test(topic)) return true;
    return dps && (t?.kind === 'dps-register' || t?.kind === 'dps-poll');
  }
  if (!hub) return false;
  if (moduleId === undefined) {
    const own = `devices/${deviceId}/`;
    return topic.startsWith(own) && !topic.startsWith(`${own}modules/`);
  }
  return topic.startsWith(`devices/${deviceId}/modules/${moduleId}/`);
}
