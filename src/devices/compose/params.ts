/**
 * Block parameters as data (default, range, unit, meaning), so one spec yields the definition's schema (defaults from
 * the physics module) and a fleet's override schema (defaults from the definition), and documents itself.
 */
import { z } from '../../core/zod.js';
import { describeFound, listOr, quoteAll } from '../../scenario/wording.js';
import { count, num } from '../models/common.js';

export type ParamSpec =
  | { readonly type: 'number'; readonly def: number; readonly min: number; readonly max: number; readonly unit: string; readonly meaning: string; readonly integer?: boolean }
  | { readonly type: 'enum'; readonly def: string; readonly values: readonly string[]; readonly meaning: string }
  | { readonly type: 'route'; readonly def: ReadonlyArray<readonly [number, number]>; readonly meaning: string };

/** A number param: `n(DEFAULTS.x, 0, 10, 'h', 'what it means')`. */
export const n = (def: number, min: number, max: number, unit: string, meaning: string): ParamSpec => ({ type: 'number', def, min, max, unit, meaning });
/** A whole-number param. */
export const int = (def: number, min: number, max: number, unit: string, meaning: string): ParamSpec => ({ type: 'number', def, min, max, unit, meaning, integer: true });
export const oneOf = (def: string, values: readonly string[], meaning: string): ParamSpec => ({ type: 'enum', def, values, meaning });
export const route = (def: ReadonlyArray<readonly [number, number]>, meaning: string): ParamSpec => ({ type: 'route', def, meaning });

/** A cross-field problem of a block's params, at one of its keys. */
export interface ParamProblem {
  readonly key: string;
  readonly message: string;
}

const latLonError = (iss: { input?: unknown }): string =>
  `expected [lat, lon] in degrees, lat -90 to 90, lon -180 to 180; found ${describeFound(iss.input)}`;
const lat = z.number({ error: latLonError }).min(-90, { error: latLonError }).max(90, { error: latLonError });
const lon = z.number({ error: latLonError }).min(-180, { error: latLonError }).max(180, { error: latLonError });
const routeError = (iss: { input?: unknown }): string =>
  `expected a list of at least 2 [lat, lon] waypoints in degrees; found ${Array.isArray(iss.input) ? `${iss.input.length} waypoint(s)` : describeFound(iss.input)}`;

/** The zod schema of one param, defaulting to `def` (the spec's own default unless a definition overrides it). */
export function paramSchema(spec: ParamSpec, def: unknown = spec.def): z.ZodType {
  switch (spec.type) {
    case 'number':
      return (spec.integer === true ? count : num)(def as number, spec.min, spec.max, spec.unit, spec.meaning);
    case 'enum': {
      const error = (iss: { input?: unknown }): string => `expected ${listOr(quoteAll(spec.values))}; found ${describeFound(iss.input)}`;
      return z
        .enum(spec.values as [string, ...string[]], { error })
        .default(def as string)
        .describe(`${spec.meaning} (${listOr(quoteAll(spec.values))})`);
    }
    case 'route':
      return z
        .array(z.tuple([lat, lon], { error: latLonError }), { error: routeError })
        .min(2, { error: routeError })
        .max(10_000)
        .refine((r) => r.some(([a, b]) => a !== r[0]?.[0] || b !== r[0]?.[1]), { message: 'expected at least 2 distinct waypoints; found one place repeated' })
        .default((def as ReadonlyArray<readonly [number, number]>).map(([a, b]) => [a, b] as [number, number]))
        .describe(`${spec.meaning}, [lat, lon] degrees (lat -90–90, lon -180–180)`);
  }
}

/** A strict params object over `specs`, defaults from `defaults` where given, with the kind's cross-field checks. */
export function paramsObject(
  specs: Readonly<Record<string, ParamSpec>>,
  check: ((p: Record<string, unknown>) => ParamProblem[]) | undefined,
  defaults: Readonly<Record<string, unknown>> = {},
): z.ZodType<Record<string, unknown>> {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, spec] of Object.entries(specs)) shape[key] = paramSchema(spec, key in defaults ? defaults[key] : spec.def);
  const object = z.object(shape, { error: (iss) => (iss.code === 'invalid_type' ? `expected a map of params; found ${describeFound(iss.input)}` : undefined) }).strict();
  if (check === undefined) return object as z.ZodType<Record<string, unknown>>;
  return object.superRefine((p, ctx) => {
    for (const problem of check(p)) ctx.addIssue({ code: 'custom', path: [problem.key], message: problem.message, input: p[problem.key] });
  }) as z.ZodType<Record<string, unknown>>;
}

/** An input that is a number in `unit` within [min, max], or a reference "block.output" to an earlier block. */
export interface ValueInputSpec {
  readonly type: 'value';
  readonly unit: string;
  readonly min: number;
  readonly max: number;
  readonly meaning: string;
  /** What the block uses when the input is left out (documentation). */
  readonly absent: string;
}

/** A duty cycle {activeMs, activeMa, sleepUa}, an alternative to the input `instead` (one wake per step). */
export interface DutyCycleInputSpec {
  readonly type: 'dutyCycle';
  readonly instead: string;
  readonly meaning: string;
  readonly absent: string;
}

export type InputSpec = ValueInputSpec | DutyCycleInputSpec;

export const REF_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*\.[A-Za-z_][A-Za-z0-9_]*$/;

/** The schema of a value input: a number in range, or a reference string shaped "block.output" (resolved later). */
export function valueInputSchema(spec: ValueInputSpec): z.ZodType<number | string> {
  const what = `a number from ${spec.min} to ${spec.max}${spec.unit === '' ? '' : ` ${spec.unit}`} or a reference "block.output" to an earlier block`;
  const error = (iss: { input?: unknown }): string =>
    typeof iss.input === 'string' ? `expected a reference "block.output", e.g. "air.temperatureC"; found ${describeFound(iss.input)}` : `expected ${what}; found ${describeFound(iss.input)}`;
  const number = z.number({ error }).min(spec.min, { error }).max(spec.max, { error });
  const ref = z.string({ error }).regex(REF_PATTERN, { error });
  return z.union([number, ref], { error }).describe(`${spec.meaning}: ${what}; absent: ${spec.absent}`);
}
