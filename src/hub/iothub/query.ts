import { IotHubError } from './errors.js';
import { type JsonValue, isJsonObject, jsonEqual } from './json.js';

/**
 * A subset of the IoT Hub query language over device twins:
 *   SELECT [TOP n] * | COUNT() [AS name] | path [AS name], … FROM devices [WHERE cond]
 * cond: comparisons (= != <> < > <= >=), `path IN [literals]` / `NIN`, AND, OR, NOT, parentheses,
 * IS_DEFINED/IS_NULL/IS_STRING/IS_NUMBER/IS_BOOL/IS_OBJECT(path), STARTSWITH/ENDSWITH(path, 'text'), a bare path
 * (true when the value is `true`). Literals: 'string' (or "string"), numbers, true, false, null.
 * Semantics follow IoT Hub's (Cosmos-style) rules: a missing property or a comparison between different types is
 * Undefined, Undefined propagates through NOT, and only rows where the condition is exactly true are returned.
 */

/** A parse failure: 400004 with the 1-based character position in the message and in `position`. */
export class QuerySyntaxError extends IotHubError {
  readonly position: number;
  constructor(position: number, detail: string) {
    super('ArgumentInvalid', `Syntax error at position ${position}: ${detail}`);
    this.position = position;
  }
}

type TokKind = 'ident' | 'number' | 'string' | 'punct' | 'eof';
interface Token {
  kind: TokKind;
  text: string;
  /** 0-based offset. */
  at: number;
  value?: string | number;
}

type CmpOp = '=' | '!=' | '<' | '>' | '<=' | '>=';

type Expr =
  | { kind: 'lit'; value: JsonValue }
  | { kind: 'path'; segs: string[] }
  | { kind: 'cmp'; op: CmpOp; left: Expr; right: Expr }
  | { kind: 'and' | 'or'; left: Expr; right: Expr }
  | { kind: 'not'; expr: Expr }
  | { kind: 'fn'; name: string; args: Expr[] }
  | { kind: 'in'; left: Expr; list: JsonValue[]; negate: boolean }
  | { kind: 'truthy'; expr: Expr };

type Selection = { kind: 'star' } | { kind: 'count'; alias: string } | { kind: 'fields'; items: { segs: string[]; alias: string }[] };

/** A parsed query (reusable across runs). */
export interface ParsedQuery {
  readonly select: Selection;
  readonly top: number | undefined;
  readonly where: Expr | undefined;
}

const FUNCTIONS: Record<string, number> = {
  IS_DEFINED: 1,
  IS_NULL: 1,
  IS_STRING: 1,
  IS_NUMBER: 1,
  IS_BOOL: 1,
  IS_OBJECT: 1,
  STARTSWITH: 2,
  ENDSWITH: 2,
};
const KEYWORDS = new Set(['SELECT', 'FROM', 'WHERE', 'AND', 'OR', 'NOT', 'AS', 'TOP', 'IN', 'NIN', 'TRUE', 'FALSE', 'NULL']);

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i;
    if (/[A-Za-z_$]/.test(c)) {
      while (i < src.length && /[A-Za-z0-9_$]/.test(src[i] as string)) i++;
      out.push({ kind: 'ident', text: src.slice(at, i), at });
      continue;
    }
    if (/[0-9]/.test(c) || (c === '-' && /[0-9.]/.test(src[i + 1] ?? ''))) {
      const m = /^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(src.slice(i));
      const text = m?.[0] ?? c;
      i += text.length;
      out.push({ kind: 'number', text, at, value: Number(text) });
      continue;
    }
    if (c === "'" || c === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new QuerySyntaxError(at + 1, 'unterminated string literal');
        const d = src[i] as string;
        if (d === '\\' && i + 1 < src.length) {
          const e = src[i + 1] as string;
          value += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          i += 2;
        } else if (d === c) {
          if (src[i + 1] === c) {
            value += c; // '' inside '...'
            i += 2;
          } else {
            i++;
            break;
          }
        } else {
          value += d;
          i++;
        }
      }
      out.push({ kind: 'string', text: src.slice(at, i), at, value });
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === '!=' || two === '<>' || two === '<=' || two === '>=') {
      out.push({ kind: 'punct', text: two, at });
      i += 2;
      continue;
    }
    if ('()*,.=<>[]'.includes(c)) {
      out.push({ kind: 'punct', text: c, at });
      i++;
      continue;
    }
    throw new QuerySyntaxError(at + 1, `unexpected character ${JSON.stringify(c)}`);
  }
  out.push({ kind: 'eof', text: '', at: src.length });
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Token[]) {}

  parse(): ParsedQuery {
    this.keyword('SELECT');
    let top: number | undefined;
    if (this.isKeyword('TOP')) {
      this.i++;
      const t = this.peek();
      if (t.kind !== 'number' || !Number.isInteger(t.value) || (t.value as number) < 0) this.fail(t, 'a non-negative integer after TOP');
      top = t.value as number;
      this.i++;
    }
    const select = this.selection();
    this.keyword('FROM');
    const from = this.peek();
    if (from.kind !== 'ident' || from.text.toLowerCase() !== 'devices') this.fail(from, "'devices' (the only collection supported)");
    this.i++;
    if (this.isPunct('.')) throw new QuerySyntaxError(this.peek().at + 1, 'only FROM devices is supported (not devices.modules or jobs)');
    let where: Expr | undefined;
    if (this.isKeyword('WHERE')) {
      this.i++;
      where = this.or();
    }
    const end = this.peek();
    if (end.kind !== 'eof') this.fail(end, 'end of query');
    return { select, top, where };
  }

  private selection(): Selection {
    if (this.isPunct('*')) {
      this.i++;
      return { kind: 'star' };
    }
    const t = this.peek();
    if (t.kind === 'ident' && t.text.toUpperCase() === 'COUNT' && this.toks[this.i + 1]?.text === '(') {
      this.i += 2;
      this.punct(')');
      return { kind: 'count', alias: this.alias() ?? '$1' };
    }
    const items: { segs: string[]; alias: string }[] = [];
    for (;;) {
      const segs = this.path();
      items.push({ segs, alias: this.alias() ?? (segs[segs.length - 1] as string) });
      if (!this.isPunct(',')) break;
      this.i++;
    }
    return { kind: 'fields', items };
  }

  private alias(): string | undefined {
    if (!this.isKeyword('AS')) return undefined;
    this.i++;
    const t = this.peek();
    if (t.kind !== 'ident' || KEYWORDS.has(t.text.toUpperCase())) this.fail(t, 'a name after AS');
    this.i++;
    return t.text;
  }

  private or(): Expr {
    let left = this.and();
    while (this.isKeyword('OR')) {
      this.i++;
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): Expr {
    let left = this.not();
    while (this.isKeyword('AND')) {
      this.i++;
      left = { kind: 'and', left, right: this.not() };
    }
    return left;
  }

  private not(): Expr {
    if (this.isKeyword('NOT')) {
      this.i++;
      return { kind: 'not', expr: this.not() };
    }
    return this.predicate();
  }

  private predicate(): Expr {
    if (this.isPunct('(')) {
      this.i++;
      const e = this.or();
      this.punct(')');
      return e;
    }
    const left = this.operand();
    const t = this.peek();
    if (t.kind === 'punct' && ['=', '!=', '<>', '<', '>', '<=', '>='].includes(t.text)) {
      this.i++;
      const op = (t.text === '<>' ? '!=' : t.text) as CmpOp;
      return { kind: 'cmp', op, left, right: this.operand() };
    }
    if (this.isKeyword('IN') || this.isKeyword('NIN')) {
      const negate = this.peek().text.toUpperCase() === 'NIN';
      this.i++;
      this.punct('[');
      const list: JsonValue[] = [];
      if (!this.isPunct(']')) {
        for (;;) {
          list.push(this.literal());
          if (!this.isPunct(',')) break;
          this.i++;
        }
      }
      this.punct(']');
      return { kind: 'in', left, list, negate };
    }
    if (left.kind === 'fn') return left;
    if (left.kind === 'path') return { kind: 'truthy', expr: left };
    return this.fail(t, 'a comparison operator (= != <> < > <= >=), IN or NIN');
  }

  private operand(): Expr {
    const t = this.peek();
    if (t.kind === 'ident') {
      const up = t.text.toUpperCase();
      if (up === 'TRUE' || up === 'FALSE' || up === 'NULL') return { kind: 'lit', value: this.literal() };
      if (this.toks[this.i + 1]?.text === '(' && this.toks[this.i + 1]?.kind === 'punct') {
        const arity = FUNCTIONS[up];
        if (arity === undefined) throw new QuerySyntaxError(t.at + 1, `unknown function ${t.text}`);
        this.i += 2;
        const args: Expr[] = [];
        for (let n = 0; n < arity; n++) {
          if (n > 0) this.punct(',');
          args.push(this.operand());
        }
        this.punct(')');
        return { kind: 'fn', name: up, args };
      }
      if (KEYWORDS.has(up)) this.fail(t, 'a property path or a literal');
      return { kind: 'path', segs: this.path() };
    }
    if (t.kind === 'number' || t.kind === 'string') return { kind: 'lit', value: this.literal() };
    return this.fail(t, 'a property path or a literal');
  }

  private path(): string[] {
    const segs = [this.ident()];
    while (this.isPunct('.')) {
      this.i++;
      segs.push(this.ident());
    }
    return segs;
  }

  private ident(): string {
    const t = this.peek();
    if (t.kind !== 'ident') this.fail(t, 'a property name');
    this.i++;
    return t.text;
  }

  private literal(): JsonValue {
    const t = this.peek();
    this.i++;
    if (t.kind === 'string' || t.kind === 'number') return t.value as string | number;
    if (t.kind === 'ident') {
      const up = t.text.toUpperCase();
      if (up === 'TRUE') return true;
      if (up === 'FALSE') return false;
      if (up === 'NULL') return null;
    }
    this.i--;
    return this.fail(t, 'a literal (string, number, true, false or null)');
  }

  private keyword(k: string): void {
    if (!this.isKeyword(k)) this.fail(this.peek(), k);
    this.i++;
  }

  private punct(p: string): void {
    if (!this.isPunct(p)) this.fail(this.peek(), `'${p}'`);
    this.i++;
  }

  private isKeyword(k: string): boolean {
    const t = this.peek();
    return t.kind === 'ident' && t.text.toUpperCase() === k;
  }

  private isPunct(p: string): boolean {
    const t = this.peek();
    return t.kind === 'punct' && t.text === p;
  }

  private peek(): Token {
    return this.toks[this.i] ?? (this.toks[this.toks.length - 1] as Token);
  }

  private fail(t: Token, expected: string): never {
    const found = t.kind === 'eof' ? 'end of query' : `'${t.text}'`;
    throw new QuerySyntaxError(t.at + 1, `expected ${expected}, found ${found}`);
  }
}

/** Parse a query; throws QuerySyntaxError (400004, with the position) on bad syntax. */
export function parseQuery(sql: string): ParsedQuery {
  return new Parser(tokenize(sql)).parse();
}

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
