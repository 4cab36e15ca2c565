/**
 * Whether a run's broker shares this machine's cores: the embedded hub (a thread of this process), or a target or
 * fleet URL whose host is a loopback name or address, or one of this machine's own interface addresses.
 */
import { networkInterfaces } from 'node:os';
import { targetEndpoints } from '../scenario/endpoints.js';
import type { RunPlan } from '../scenario/plan.js';

export function brokerOnThisMachine(plan: RunPlan): boolean {
  if (plan.target.kind === 'embedded') return true;
  const urls = [...targetEndpoints(plan.target), ...plan.fleets.flatMap((f) => (f.transport.url === undefined ? [] : [f.transport.url]))];
  return urls.some(isLocalUrl);
}

export function isLocalUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return false;
  }
  if (host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '0.0.0.0') return true;
  return Object.values(networkInterfaces()).some((list) => (list ?? []).some((a) => a.address.toLowerCase() === host));
}
