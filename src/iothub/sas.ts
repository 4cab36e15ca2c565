/**
 * Shared access signatures for IoT Hub and DPS (reference §1.3, §3, trap §0.3).
 * Pure: the current time is always a parameter.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { encodeUriComponentStrict, strictDecode } from './encoding.js';

export { encodeUriComponentStrict } from './encoding.js';

const PREFIX = 'SharedAccessSignature ';

/** The fields of a SAS token exactly as transmitted (still percent-encoded). */
export interface SasTokenFields {
  sr: string;
  sig: string;
  se: string;
  skn?: string;
}

export type SasVerifyResult =
  | { ok: true; expiry: number }
  | { ok: false; reason: 'malformed' | 'expired' | 'wrong-resource' | 'bad-signature' };

/** SAS resource URI of a device or module identity: `{host}/devices/{d}[/modules/{m}]` (§1.3 step 1, §2.5). */
export function deviceResource(host: string, deviceId: string, moduleId?: string): string {
  return `${host}/devices/${deviceId}` + (moduleId !== undefined ? `/modules/${moduleId}` : '');
}

/** SAS resource URI of a DPS registration: `{idScope}/registrations/{registrationId}` (§3). */
export function dpsResource(idScope: string, registrationId: string): string {
  return `${idScope}/registrations/${registrationId}`;
}

function hmacBase64(keyBase64: string, message: string): string {
  return createHmac('sha256', Buffer.from(keyBase64, 'base64')).update(message, 'utf8').digest('base64');
}

/**
 * Builds `SharedAccessSignature sr=…&sig=…&se=…[&skn=…]` the way the Node SDK does (§1.3, worked
 * example): sr strictly URL-encoded, HMAC-SHA256 over `sr + "\n" + se`, sig URL-encoded.
 * `expiry` is integer epoch seconds; anything else throws a RangeError.
 */
export function createSasToken(o: {
  resourceUri: string;
  keyBase64: string;
  expiry: number;
  policyName?: string;
}): string {
  if (!Number.isSafeInteger(o.expiry) || o.expiry < 0) {
    throw new RangeError(`SAS expiry must be a non-negative integer of epoch seconds, got ${o.expiry}`);
  }
  const sr = encodeUriComponentStrict(o.resourceUri);
  const se = String(o.expiry);
  const sig = hmacBase64(o.keyBase64, `${sr}\n${se}`);
  return (
    `${PREFIX}sr=${sr}&sig=${encodeUriComponentStrict(sig)}&se=${se}` +
    (o.policyName !== undefined ? `&skn=${encodeUriComponentStrict(o.policyName)}` : '')
  );
}

/**
 * Splits a SAS token into its fields, values left as transmitted (needed to re-compute the HMAC over
 * the sr actually sent, §0.3). Field order is free; unknown fields are ignored; a missing or empty
 * sr/sig/se, a duplicate field or a missing `SharedAccessSignature ` prefix gives `undefined`.
 */
export function parseSasToken(token: string): SasTokenFields | undefined {
  if (!token.startsWith(PREFIX)) return undefined;
  const body = token.slice(PREFIX.length);
  if (body === '' || /\s/.test(body)) return undefined;
  const seen = new Map<string, string>();
  for (const part of body.split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    const k = part.slice(0, eq);
    if (seen.has(k)) return undefined;
    seen.set(k, part.slice(eq + 1));
  }
  const sr = seen.get('sr');
  const sig = seen.get('sig');
  const se = seen.get('se');
  const skn = seen.get('skn');
  if (!sr || !sig || !se || skn === '') return undefined;
  return skn !== undefined ? { sr, sig, se, skn } : { sr, sig, se };
}

/** True when `scope` equals `resource` or is a whole-segment prefix of it; the host (first segment) compares case-insensitively (§1.3 step 1). */
function resourceCovers(scope: string, resource: string): boolean {
  const a = scope.replace(/\/$/, '').split('/');
  const b = resource.split('/');
  if (a.length > b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    if (i === 0 ? x.toLowerCase() !== y.toLowerCase() : x !== y) return false;
  }
  return true;
}

function lowerCaseEscapes(s: string): string {
  return s.replace(/%[0-9a-f]{2}/gi, (m) => m.toLowerCase());
}

function upperCaseEscapes(s: string): string {
  return s.replace(/%[0-9a-f]{2}/gi, (m) => m.toUpperCase());
}

/**
 * Verifies a device/module/DPS SAS token as the hub would (§1.3 "Emulator verifier", trap §0.3):
 * parse, check the URL-decoded sr covers `resource` (segment prefix, host case-insensitive), then
 * HMAC-SHA256 over `<sr as received>\n<se as received>` — falling back to the strictly re-encoded sr
 * (upper-case and lower-case escapes) and the decoded sr, so every SDK style passes — compared in
 * constant time, then `se > nowS`. Order of failure reasons: malformed, wrong-resource, bad-signature, expired.
 */
export function verifySasToken(
  token: string,
  o: { resource: string; keyBase64: string; nowS: number },
): SasVerifyResult {
  const f = parseSasToken(token);
  if (!f || !/^\d{1,15}$/.test(f.se)) return { ok: false, reason: 'malformed' };
  const decodedSr = strictDecode(f.sr);
  const sig = strictDecode(f.sig);
  if (decodedSr === undefined || sig === undefined) return { ok: false, reason: 'malformed' };
  if (!resourceCovers(decodedSr, o.resource)) return { ok: false, reason: 'wrong-resource' };

  const reencoded = encodeUriComponentStrict(decodedSr);
  // As sent; Node-style strict; all escapes upper-case (C SDKs); all lower-case (old .NET); raw (Node DPS).
  const variants = new Set([f.sr, reencoded, upperCaseEscapes(reencoded), lowerCaseEscapes(reencoded), decodedSr]);
  const given = Buffer.from(sig, 'utf8');
  let match = false;
  for (const sr of variants) {
    const expected = Buffer.from(hmacBase64(o.keyBase64, `${sr}\n${f.se}`), 'utf8');
    // Lengths are not secret (always 44 for SHA-256); only equal-length buffers can be compared.
    const eq = expected.length === given.length && timingSafeEqual(expected, given);
    match = match || eq;
  }
  if (!match) return { ok: false, reason: 'bad-signature' };
  const expiry = Number(f.se);
  if (expiry <= o.nowS) return { ok: false, reason: 'expired' };
  return { ok: true, expiry };
}

/**
 * Device key of a DPS group enrollment (§3): `base64(HMAC-SHA256(base64decode(groupKey), UTF-8(registrationId)))`.
 * The same key then signs the hub SAS.
 */
export function deriveDeviceKey(groupKeyBase64: string, registrationId: string): string {
  return hmacBase64(groupKeyBase64, registrationId);
}
