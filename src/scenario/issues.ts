/**
 * From zod issues to problems a person can act on: each one says what was expected and what was found, and points
 * at a path in the document (the key itself for an unknown key). Unions are unpacked to the branch the value was
 * evidently meant for, so a ramp {from, to} with a typo reports the typo, not "invalid input".
 */
import { z, type ZodType } from '../core/zod.js';
import { splitHint, withHint } from './diagnostics.js';
import { describeFound, didYouMean, listAnd, listOr, quoteAll } from './wording.js';

type RawIssue = z.core.$ZodRawIssue;
type Issue = z.core.$ZodIssue;
export type DocPath = readonly (string | number)[];

/** A problem at a path in the document; `at: 'key'` points at the key of the last segment rather than its value. */
export interface Problem {
  readonly path: DocPath;
  readonly message: string;
  readonly hint?: string;
  readonly at?: 'key';
}

export function problem(path: DocPath, message: string, hint?: string, at?: 'key'): Problem {
  return { path, message, ...(hint === undefined ? {} : { hint }), ...(at === undefined ? {} : { at }) };
}

interface Internals {
  _zod?: { def?: { type?: string; shape?: Record<string, unknown>; options?: unknown[]; innerType?: unknown; in?: unknown; values?: unknown[]; format?: string; element?: unknown } };
}
const defOf = (schema: unknown) => (schema as Internals | undefined)?._zod?.def;

/** Parses with fleetsim's messages; remembers each strict object's allowed keys to suggest the intended one. */
export class IssueMapper {
  private readonly allowedKeys = new WeakMap<object, readonly string[]>();

  parse<T>(schema: ZodType<T>, data: unknown): { ok: true; value: T } | { ok: false; problems: Problem[] } {
    const result = schema.safeParse(data, { reportInput: true, error: (iss) => this.message(iss) });
    return result.success ? { ok: true, value: result.data } : { ok: false, problems: this.toProblems(result.error.issues, []) };
  }

  private message(iss: RawIssue): string | undefined {
    const input = iss.input;
    switch (iss.code) {
      case 'unrecognized_keys': {
        if (input !== null && typeof input === 'object') this.allowedKeys.set(input, Object.keys(defOf(iss.inst)?.shape ?? {}));
        return 'unknown keys';
      }
      case 'invalid_type':
        if (input === undefined) return missing(iss);
        return `expected ${expectedType(iss.expected, defOf(iss.inst)?.format)}; found ${describeFound(input)}`;
      case 'invalid_value': {
        const values = iss.values.map((v) => (typeof v === 'string' ? JSON.stringify(v) : String(v)));
        const near = typeof input === 'string' ? didYouMean(input, iss.values.filter((v): v is string => typeof v === 'string')) : '';
        return `expected ${listOr(values)}; found ${describeFound(input)}${near}`;
      }
      case 'too_small':
      case 'too_big':
        return bounds(iss, input);
      case 'invalid_union':
        if (iss.note === 'No matching discriminator') return discriminator(iss, input);
        return `expected ${listOr(unionOptions(iss.inst))}; found ${describeFound(input)}`;
      default:
        return undefined;
    }
  }

  private toProblems(issues: readonly Issue[], prefix: DocPath): Problem[] {
    const out: Problem[] = [];
    // A value of the wrong type is one problem, even when zod also ran length checks on it.
    const wrongType = new Set(issues.filter((i) => i.code === 'invalid_type').map((i) => JSON.stringify(i.path)));
    for (const iss of issues) {
      if (iss.code !== 'invalid_type' && wrongType.has(JSON.stringify(iss.path))) continue;
      const path = [...prefix, ...(iss.path as (string | number)[])];
      if (iss.code === 'invalid_union' && iss.errors.length > 0) {
        const meant = iss.errors.filter((branch) => !branch.some((i) => i.path.length === 0 && i.code === 'invalid_type'));
        if (meant.length === 1) {
          out.push(...this.toProblems(meant[0] as Issue[], path));
          continue;
        }
      }
      if (iss.code === 'unrecognized_keys') {
        const input = (iss as { input?: unknown }).input;
        const allowed = input !== null && typeof input === 'object' ? (this.allowedKeys.get(input) ?? []) : [];
        for (const key of iss.keys) out.push(unknownKey(path, key, allowed));
        continue;
      }
      const { message, hint } = splitHint(iss.message);
      out.push(problem(path, message, hint));
    }
    return out;
  }
}

function unknownKey(path: DocPath, key: string, allowed: readonly string[]): Problem {
  const near = didYouMean(key, allowed);
  const hint = near === '' && allowed.length > 0 ? `allowed keys here: ${listAnd([...allowed])}` : undefined;
  return problem([...path, key], `unknown key ${JSON.stringify(key)}${near}`, hint, 'key');
}

function missing(iss: RawIssue): string {
  const key = iss.path?.[iss.path.length - 1];
  const what = key === undefined ? 'a value' : `required key ${JSON.stringify(String(key))}`;
  const description = descriptionOf(iss.inst);
  return withHint(`missing ${what}`, description === undefined || key === undefined ? description : `${String(key)}: ${description}`);
}

/** The description of a key of an object schema (seen through defaults and optionals), if it has one. */
export function keyDescription(objectSchema: unknown, key: string): string | undefined {
  let s = objectSchema;
  for (let depth = 0; depth < 5 && s !== undefined && defOf(s)?.shape === undefined; depth++) s = defOf(s)?.innerType;
  const field = defOf(s)?.shape?.[key];
  return field === undefined ? undefined : descriptionOf(field);
}

function descriptionOf(schema: unknown): string | undefined {
  let s = schema;
  for (let depth = 0; depth < 5 && s !== undefined; depth++) {
    const meta = z.globalRegistry.get(s as ZodType);
    if (meta?.description !== undefined) return meta.description;
    s = defOf(s)?.innerType;
  }
  return undefined;
}

function expectedType(expected: string, format: string | undefined): string {
  if (expected === 'int' || format === 'safeint') return 'an integer';
  const words: Record<string, string> = {
    string: 'a string',
    number: 'a number',
    boolean: 'true or false',
    object: 'a map (key: value lines)',
    record: 'a map (key: value lines)',
    array: 'a list (- item lines)',
    null: 'an empty value',
  };
  return words[expected] ?? expected;
}

function unionOptions(schema: unknown): string[] {
  const options = defOf(schema)?.options ?? [];
  return [...new Set(options.map(describeSchema))];
}

function describeSchema(schema: unknown): string {
  const def = defOf(schema);
  if (def === undefined) return 'a value';
  if (def.type === 'literal') return listOr((def.values ?? []).map((v) => JSON.stringify(v)));
  if (def.type === 'object') return 'a map';
  if (def.type === 'array') return 'a list';
  if (def.innerType !== undefined) return describeSchema(def.innerType);
  return expectedType(def.type ?? 'value', def.format);
}

function discriminator(iss: RawIssue & { code: 'invalid_union' }, input: unknown): string {
  const extra = iss as unknown as { discriminator?: string; options?: unknown[] };
  const key = extra.discriminator ?? 'kind';
  const options = (extra.options ?? []).map(String);
  const value = input !== null && typeof input === 'object' ? (input as Record<string, unknown>)[key] : undefined;
  const known = `one of ${listOr(quoteAll(options))}`;
  if (value === undefined) return withHint(`missing required key ${JSON.stringify(key)}`, `${key} is ${known}`);
  const near = typeof value === 'string' ? didYouMean(value, options) : '';
  return `expected ${known}; found ${describeFound(value)}${near}`;
}

function bounds(iss: RawIssue & { code: 'too_small' | 'too_big' }, input: unknown): string {
  const limit = Number(iss.code === 'too_small' ? iss.minimum : iss.maximum);
  const small = iss.code === 'too_small';
  if (iss.origin === 'array') {
    const n = Array.isArray(input) ? input.length : 0;
    const items = (k: number) => `${k} ${k === 1 ? 'item' : 'items'}`;
    return `expected ${small ? 'at least' : 'at most'} ${items(limit)}; found ${n === 0 ? 'an empty list' : items(n)}`;
  }
  if (iss.origin === 'string') {
    return small && limit === 1 ? `expected a non-empty string; found ""` : `expected a string of ${small ? 'at least' : 'at most'} ${limit} characters`;
  }
  const owner = (iss as { schema?: unknown }).schema ?? iss.inst;
  const noun = defOf(owner)?.format === 'safeint' ? 'an integer' : 'a number';
  const cmp = small ? (iss.inclusive ? 'at least' : 'above') : iss.inclusive ? 'at most' : 'below';
  return `expected ${noun} ${cmp} ${limit}; found ${describeFound(input)}`;
}
