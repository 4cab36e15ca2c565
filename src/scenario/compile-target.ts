/**
 * The scenario's `target` (and the --target / --source-addresses flags) → TargetPlan: one URL, several endpoints
 * devices spread over, and an optional pool of local source addresses (src/scenario/endpoints.ts).
 */
import { FleetsimError } from '../core/errors.js';
import { isMap, type CompileContext } from './compile-context.js';
import { splitHint } from './diagnostics.js';
import { parseAddressPool } from './endpoints.js';
import { targetProblem } from './fields.js';
import { problem } from './issues.js';
import type { TargetPlan } from './plan.js';

/** The schema's output for `target`. */
export type TargetSpec = string | readonly string[] | { readonly endpoints: string | readonly string[]; readonly sourceAddresses?: string | undefined };

/** What the schema cannot say: "embedded" is not an endpoint among several. */
export function checkTarget(raw: unknown, ctx: CompileContext): void {
  const list = Array.isArray(raw) ? raw : isMap(raw) && Array.isArray(raw.endpoints) ? raw.endpoints : undefined;
  if (list === undefined) return;
  const path = Array.isArray(raw) ? ['target'] : ['target', 'endpoints'];
  list.forEach((item: unknown, i) => {
    if (item === 'embedded') ctx.report(problem([...path, i], '"embedded" cannot be one of several endpoints', 'list broker URLs only, or write target: embedded'));
  });
}

export function targetPlanOf(spec: TargetSpec): TargetPlan {
  if (typeof spec === 'string') return urlsPlan([spec], undefined);
  if (isList(spec)) return urlsPlan(spec, undefined);
  const endpoints = typeof spec.endpoints === 'string' ? [spec.endpoints] : spec.endpoints;
  const pool = spec.sourceAddresses === undefined ? undefined : parseAddressPool(spec.sourceAddresses);
  return urlsPlan(endpoints, pool?.ok === true ? pool.addresses : undefined);
}

function isList(spec: TargetSpec): spec is readonly string[] {
  return Array.isArray(spec);
}

function urlsPlan(urls: readonly string[], sourceAddresses: readonly string[] | undefined): TargetPlan {
  const pool = sourceAddresses === undefined || sourceAddresses.length === 0 ? {} : { sourceAddresses };
  const first = urls[0] ?? 'embedded';
  if (first === 'embedded') return { kind: 'embedded', ...pool };
  return { kind: 'url', url: first, ...(urls.length > 1 ? { endpoints: urls } : {}), ...pool };
}

/** --target: "embedded", a URL, or URLs separated by commas. */
export function targetFlag(value: string): TargetPlan {
  const urls = value.split(',').map((s) => s.trim());
  for (const url of urls) {
    const wrong = targetProblem(url);
    if (wrong !== undefined) {
      const { message, hint } = splitHint(wrong);
      throw new FleetsimError('FLEETSIM_E_USAGE', `--target: ${message}`, hint === undefined ? {} : { hint });
    }
  }
  if (urls.length > 1 && urls.includes('embedded')) {
    throw new FleetsimError('FLEETSIM_E_USAGE', '--target: "embedded" cannot be one of several endpoints', { hint: 'list broker URLs only, e.g. --target mqtt://127.0.0.1:1884,mqtt://127.0.0.1:1885' });
  }
  return urlsPlan(urls, undefined);
}

/** --source-addresses: parsed, or a usage error naming the fix. */
export function sourceAddressesFlag(value: string): string[] {
  const pool = parseAddressPool(value);
  if (!pool.ok) throw new FleetsimError('FLEETSIM_E_USAGE', `--source-addresses: ${pool.message.replace(/^source addresses: /, '')}`, { hint: pool.hint });
  return pool.addresses;
}

/** The scenario's target with the flags applied: --target replaces the endpoints, --source-addresses the pool. */
export function withTargetFlags(fromScenario: TargetPlan, target: TargetPlan | undefined, sourceAddresses: readonly string[] | undefined): TargetPlan {
  const base = target ?? fromScenario;
  const pool = sourceAddresses ?? fromScenario.sourceAddresses;
  const { sourceAddresses: _drop, ...rest } = base;
  return pool === undefined || pool.length === 0 ? rest : { ...rest, sourceAddresses: pool };
}
