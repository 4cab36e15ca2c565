import { type JsonValue, isJsonObject, jsonEqual } from './json.js';
import type { CmpOp, Expr, ParsedQuery } from './query-parse.js';
import { parseQuery } from './query-parse.js';

/** Evaluating parsed queries over twins (the language and its parser: query-parse.ts). */
export { type ParsedQuery, QuerySyntaxError, parseQuery } from './query-parse.js';

type Tri = boolean | undefined;

function resolve(row: unknown, segs: readonly string[]): JsonValue | undefined {
  let v: unknown = row;
  for (const s of segs) {
    if (!isJsonObject(v as JsonValue) || !Object.hasOwn(v as object, s)) return undefined;
    v = (v as Record<string, unknown>)[s];
  }
  return v as JsonValue | undefined;
}

function value(e: Expr, row: unknown): JsonValue | undefined {
  switch (e.kind) {
    case 'lit':
      return e.value;
    case 'path':
      return resolve(row, e.segs);
    default: {
      const t = test(e, row);
      return t;
    }
  }
}

function compare(op: CmpOp, a: JsonValue | undefined, b: JsonValue | undefined): Tri {
  if (a === undefined || b === undefined) return undefined;
  const ta = a === null ? 'null' : Array.isArray(a) ? 'array' : typeof a;
  const tb = b === null ? 'null' : Array.isArray(b) ? 'array' : typeof b;
  if (ta !== tb) return undefined;
  if (op === '=') return jsonEqual(a, b);
  if (op === '!=') return !jsonEqual(a, b);
  if (ta !== 'number' && ta !== 'string') return undefined;
  const x = a as number | string;
  const y = b as number | string;
  return op === '<' ? x < y : op === '>' ? x > y : op === '<=' ? x <= y : x >= y;
}

function test(e: Expr, row: unknown): Tri {
  switch (e.kind) {
    case 'cmp':
      return compare(e.op, value(e.left, row), value(e.right, row));
    case 'and': {
      const a = test(e.left, row);
      if (a === false) return false;
      const b = test(e.right, row);
      if (b === false) return false;
      return a === undefined || b === undefined ? undefined : true;
    }
    case 'or': {
      const a = test(e.left, row);
      if (a === true) return true;
      const b = test(e.right, row);
      if (b === true) return true;
      return a === undefined || b === undefined ? undefined : false;
    }
    case 'not': {
      const a = test(e.expr, row);
      return a === undefined ? undefined : !a;
    }
    case 'in': {
      const v = value(e.left, row);
      if (v === undefined) return undefined;
      const hit = e.list.some((x) => compare('=', v, x) === true);
      return e.negate ? !hit : hit;
    }
    case 'truthy': {
      const v = value(e.expr, row);
      return typeof v === 'boolean' ? v : undefined;
    }
    case 'fn': {
      const [a0, a1] = e.args.map((a) => value(a, row));
      switch (e.name) {
        case 'IS_DEFINED':
          return a0 !== undefined;
        case 'IS_NULL':
          return a0 === null;
        case 'IS_STRING':
          return typeof a0 === 'string';
        case 'IS_NUMBER':
          return typeof a0 === 'number';
        case 'IS_BOOL':
          return typeof a0 === 'boolean';
        case 'IS_OBJECT':
          return isJsonObject(a0 as JsonValue);
        case 'STARTSWITH':
          return typeof a0 === 'string' && typeof a1 === 'string' ? a0.startsWith(a1) : undefined;
        case 'ENDSWITH':
          return typeof a0 === 'string' && typeof a1 === 'string' ? a0.endsWith(a1) : undefined;
        default:
          return undefined;
      }
    }
    case 'lit':
      return typeof e.value === 'boolean' ? e.value : undefined;
    case 'path':
      return undefined;
  }
}

/** True when the query's WHERE holds (exactly true) for a twin. */
export function matchesQuery(q: ParsedQuery, twin: unknown): boolean {
  return q.where === undefined || test(q.where, twin) === true;
}

/**
 * Run a query (text or parsed) over full twins, in iteration order: `SELECT *` gives the twins themselves,
 * `SELECT COUNT() AS n` gives `[{ n: count }]` (`$1` without AS), field lists give objects keyed by alias or
 * last path segment (undefined fields left out). Throws QuerySyntaxError on bad syntax.
 */
export function runQuery(query: string | ParsedQuery, twins: Iterable<unknown>): unknown[] {
  const q = typeof query === 'string' ? parseQuery(query) : query;
  const sel = q.select;
  if (sel.kind === 'count') {
    let n = 0;
    for (const t of twins) if (matchesQuery(q, t)) n++;
    return [{ [sel.alias]: n }];
  }
  const out: unknown[] = [];
  for (const t of twins) {
    if (q.top !== undefined && out.length >= q.top) break;
    if (!matchesQuery(q, t)) continue;
    if (sel.kind === 'star') {
      out.push(t);
    } else {
      const row: Record<string, JsonValue> = {};
      for (const item of sel.items) {
        const v = resolve(t, item.segs);
        if (v !== undefined) row[item.alias] = v;
      }
      out.push(row);
    }
  }
  return out;
}
