/**
 * Percent-encoding helpers shared by the IoT Hub protocol modules (SAS §1.3, property bags §2.1,
 * usernames §1.2). Pure functions, no state.
 */

/**
 * `encodeURIComponent` plus escaping of `!'()*`, byte for byte as the Node SDK's
 * `encodeUriComponentStrict` (common/core/src/authorization.ts, §1.3): note the SDK writes those five
 * escapes in lower-case hex (`%2a`), and SAS signatures depend on it.
 */
export function encodeUriComponentStrict(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16));
}

/** RFC 3986 escaping (everything but ALPHA DIGIT `-._~`, upper-case hex) for property-bag keys and values (§2.1). */
export function encodeRfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/**
 * Percent-decoding that never throws: a malformed escape (`%zz`, a lone `%`, broken UTF-8) leaves the
 * input unchanged. `+` stays `+` (RFC 3986, and what .NET's Uri.UnescapeDataString does).
 */
export function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Percent-decoding that reports malformed input as `undefined` instead of guessing. */
export function strictDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/**
 * Splits `k=v&k2=v2&k3` into raw (undecoded) pairs; a key without `=` has value `null`; empty segments
 * (`a=1&&b=2`, trailing `&`) are skipped. Only the first `=` separates key from value.
 */
export function splitQuery(q: string): Array<[string, string | null]> {
  const out: Array<[string, string | null]> = [];
  if (q === '') return out;
  for (const part of q.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) out.push([part, null]);
    else out.push([part.slice(0, eq), part.slice(eq + 1)]);
  }
  return out;
}
