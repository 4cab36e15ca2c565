/**
 * Connection fan-out: a run's devices spread over several broker endpoints and several local source addresses.
 * Device with global index i → endpoint i mod E, source address floor(i / E) mod S. Both depend only on the index, so
 * every shard, process and machine places a device on the same endpoint and address.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { TargetPlan } from './plan.js';

/** Longest source-address pool (a /16 of loopback is plenty for any one machine). */
export const MAX_SOURCE_ADDRESSES = 65_536;

export type PoolParse = { readonly ok: true; readonly addresses: string[] } | { readonly ok: false; readonly message: string; readonly hint: string };

const POOL_HINT = 'write a range such as 127.0.0.1-127.0.0.16 (or 127.0.0.1-16), or a list such as 127.0.0.1,127.0.0.2';

/**
 * A pool of local source addresses: comma-separated items, each an address (IPv4 or IPv6) or an IPv4 range
 * `a.b.c.d-a.b.c.e` (the end may be only its last octet: `127.0.0.1-16`). Order is kept; duplicates are refused.
 */
export function parseAddressPool(text: string): PoolParse {
  const out: string[] = [];
  const items = text.split(',').map((s) => s.trim());
  for (const item of items) {
    if (item === '') return bad(`an empty item in "${text}"`);
    const dash = item.indexOf('-');
    if (dash < 0) {
      if (!isIPv4(item) && !isIPv6(item)) return bad(`"${item}" is not an IP address`);
      out.push(item);
      continue;
    }
    const from = item.slice(0, dash);
    let to = item.slice(dash + 1);
    if (!isIPv4(from)) return bad(`"${from}" is not an IPv4 address (ranges are IPv4 only)`);
    if (/^\d{1,3}$/.test(to)) to = `${from.slice(0, from.lastIndexOf('.'))}.${to}`;
    if (!isIPv4(to)) return bad(`"${item.slice(dash + 1)}" is not an IPv4 address or a last octet`);
    const a = ipv4ToInt(from);
    const b = ipv4ToInt(to);
    if (b < a) return bad(`the range ${item} runs backwards`);
    if (out.length + (b - a + 1) > MAX_SOURCE_ADDRESSES) return bad(`more than ${MAX_SOURCE_ADDRESSES.toLocaleString('en-US')} addresses`);
    for (let n = a; n <= b; n++) out.push(intToIpv4(n));
  }
  if (new Set(out).size !== out.length) return bad(`an address appears twice in "${text}"`);
  return { ok: true, addresses: out };
}

function bad(message: string): PoolParse {
  return { ok: false, message: `source addresses: ${message}`, hint: POOL_HINT };
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** The broker endpoints devices connect to: the fan-out list, or the single URL (none for the embedded hub). */
export function targetEndpoints(target: TargetPlan): readonly string[] {
  if (target.kind === 'embedded') return [];
  return target.endpoints ?? [target.url];
}

/**
 * Where the device with global index `index` connects, or undefined when the run does not fan out (one endpoint, no
 * source addresses): the transport then uses its own URL. (The run hands shards the embedded hub as a URL target.)
 */
export function endpointOf(target: TargetPlan, index: number): { url: string; localAddress: string | undefined } | undefined {
  const endpoints = targetEndpoints(target);
  const pool = target.sourceAddresses ?? [];
  if (endpoints.length === 0 || (endpoints.length === 1 && pool.length === 0)) return undefined;
  const e = endpoints.length;
  const url = endpoints[index % e] as string;
  return { url, localAddress: pool.length === 0 ? undefined : pool[Math.floor(index / e) % pool.length] };
}
