import { IotHubError } from './errors.js';
import type { JsonValue } from './json.js';

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

export type CmpOp = '=' | '!=' | '<' | '>' | '<=' | '>=';

export type Expr =
  | { kind: 'lit'; value: JsonValue }
  | { kind: 'path'; segs: string[] }
  | { kind: 'cmp'; op: CmpOp; left: Expr; right: Expr }
  | { kind: 'and' | 'or'; left: Expr; right: Expr }
  | { kind: 'not'; expr: Expr }
  | { kind: 'fn'; name: string; args: Expr[] }
  | { kind: 'in'; left: Expr; list: JsonValue[]; negate: boolean }
  | { kind: 'truthy'; expr: Expr };

export type Selection = { kind: 'star' } | { kind: 'count'; alias: string } | { kind: 'fields'; items: { segs: string[]; alias: string }[] };

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
