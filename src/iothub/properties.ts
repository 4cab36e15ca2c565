/**
 * Message property bags carried in telemetry and C2D topic names (§2.1, §2.2).
 */
import { encodeRfc3986, safeDecode, splitQuery } from './encoding.js';

/** System properties by name plus application properties (`null` = key without `=`). */
export interface MessageProperties {
  messageId?: string;
  correlationId?: string;
  userId?: string;
  to?: string;
  expiry?: string;
  contentType?: string;
  contentEncoding?: string;
  outputName?: string;
  interfaceId?: string;
  component?: string;
  creationTimeUtc?: string;
  app: Readonly<Record<string, string | null>>;
}

type SystemField = Exclude<keyof MessageProperties, 'app'>;

/** Wire key of every system property, in the order we emit them (§2.1). */
export const SYSTEM_PROPERTY_KEYS: Readonly<Record<SystemField, string>> = {
  messageId: '$.mid',
  correlationId: '$.cid',
  userId: '$.uid',
  to: '$.to',
  expiry: '$.exp',
  contentType: '$.ct',
  contentEncoding: '$.ce',
  outputName: '$.on',
  interfaceId: '$.ifid',
  component: '$.sub',
  creationTimeUtc: 'iothub-creation-time-utc',
};

const FIELD_BY_KEY = new Map<string, SystemField>(
  (Object.entries(SYSTEM_PROPERTY_KEYS) as Array<[SystemField, string]>).map(([f, k]) => [k, f]),
);

/**
 * Formats a property bag (§2.1): system properties first (`%24.mid=…`, the `$` percent-encoded as
 * the Node SDK does), then application properties in insertion order; `null` → `k`, `''` → `k=`.
 * Keys and values are RFC 3986-escaped (so `/`, `&`, `=`, `+` and non-ASCII are always encoded).
 */
export function formatPropertyBag(p: MessageProperties): string {
  const parts: string[] = [];
  for (const [field, key] of Object.entries(SYSTEM_PROPERTY_KEYS) as Array<[SystemField, string]>) {
    const v = p[field];
    if (v !== undefined) parts.push(`${encodeRfc3986(key)}=${encodeRfc3986(v)}`);
  }
  for (const [k, v] of Object.entries(p.app)) {
    parts.push(v === null ? encodeRfc3986(k) : `${encodeRfc3986(k)}=${encodeRfc3986(v)}`);
  }
  return parts.join('&');
}

/**
 * Parses a property bag (§2.1, §2.2): keys are percent-decoded before matching, so `$.mid` and
 * `%24.mid` both give messageId; unknown `$.x` keys and everything else become application
 * properties (e.g. `iothub-ack`); a bare `k` is `null`, `k=` is `''`; a later duplicate wins.
 * A system key without a value becomes `''`. Malformed escapes are kept verbatim, `+` stays `+`.
 */
export function parsePropertyBag(bag: string): MessageProperties {
  const out: MessageProperties = { app: {} };
  const app: Array<[string, string | null]> = [];
  for (const [rawK, rawV] of splitQuery(bag)) {
    const k = safeDecode(rawK);
    if (k === '') continue;
    const v = rawV === null ? null : safeDecode(rawV);
    const field = FIELD_BY_KEY.get(k);
    if (field !== undefined) out[field] = v ?? '';
    else app.push([k, v]);
  }
  out.app = Object.fromEntries(app);
  return out;
}

/** True when the properties carry nothing at all (no system property, no application property). */
export function isEmptyProperties(p: MessageProperties | undefined): boolean {
  return p === undefined || formatPropertyBag(p) === '';
}
