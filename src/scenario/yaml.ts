/**
 * The one import site of the `yaml` package. Parses a scenario keeping every node's source range, so any path into
 * the data (fleets[0].telemetry.every) can be pointed at as line:col.
 */
import { LineCounter, YAMLError, isAlias, isMap, isPair, isScalar, isSeq, parseDocument, visit, type Document, type Node } from 'yaml';

export interface Position {
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly col: number;
}

export interface YamlProblem extends Position {
  readonly message: string;
  readonly hint?: string;
}

export interface ParsedYaml {
  /** The document as plain data; undefined when it has syntax problems. */
  readonly data: unknown;
  /** Syntax problems; when there are any, `data` is undefined. */
  readonly problems: readonly YamlProblem[];
  /** Where a path points; the deepest existing node when the path goes further (a missing key: its parent map). */
  locate(path: readonly (string | number)[], at?: 'key'): Position;
}

const START: Position = { line: 1, col: 1 };

export function parseYaml(text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const pos = (offset: number): Position => lineCounter.linePos(offset);
  const problems: YamlProblem[] = [];
  for (const e of [...doc.errors, ...doc.warnings]) {
    const p = yamlProblem(e, text, pos);
    // One problem per place: an unclosed bracket is reported once, not once per enclosing collection.
    if (!problems.some((q) => q.line === p.line && q.col === p.col)) problems.push(p);
  }
  problems.push(...unresolvedAliases(doc, pos));
  let data: unknown;
  if (problems.length === 0) {
    try {
      data = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      problems.push({ ...START, message: `cannot read the YAML: ${(err as Error).message}` });
    }
  }
  return { data, problems, locate: (path, at) => locate(doc, path, at, pos) };
}

function yamlProblem(err: YAMLError, text: string, pos: (offset: number) => Position): YamlProblem {
  // An offset in leading blanks: point at the first character of the line, where the indentation goes wrong.
  const blanks = /^[ \t]*/.exec(text.slice(err.pos[0]))?.[0].length ?? 0;
  const lineStart = err.pos[0] === 0 || text[err.pos[0] - 1] === '\n';
  const at = pos(lineStart && text[err.pos[0] + blanks] !== '\n' ? err.pos[0] + blanks : err.pos[0]);
  switch (err.code) {
    case 'DUPLICATE_KEY': {
      const key = (/^[^:\n]*/.exec(text.slice(err.pos[0])) as RegExpExecArray)[0].trim().replace(/^(["'])(.*)\1$/, '$2');
      return { ...at, message: `duplicate key ${JSON.stringify(key)}; a key may appear once in a map` };
    }
    case 'MULTIPLE_DOCS':
      return { ...at, message: 'a scenario file holds one YAML document; found a second one after ---' };
    case 'TAB_AS_INDENT':
      return { ...at, message: 'YAML syntax: tabs are not allowed as indentation', hint: 'indent with spaces' };
    default: {
      const message = err.message.replace(/^./, (c) => c.toLowerCase());
      return { ...at, message: `YAML syntax: ${message}`, ...hintFor(err.code, message) };
    }
  }
}

function hintFor(code: string, message: string): { hint?: string } {
  if (/end with a [}\]]/.test(message)) return { hint: 'close every { and [ that is opened' };
  if (code === 'BAD_INDENT' || code === 'UNEXPECTED_TOKEN' || /indent|indicator|same column/i.test(message)) {
    return { hint: 'check the indentation: keys of one map start in the same column, list items with "- "' };
  }
  return {};
}

function unresolvedAliases(doc: Document, pos: (offset: number) => Position): YamlProblem[] {
  const out: YamlProblem[] = [];
  visit(doc, {
    Alias(_, node) {
      if (node.resolve(doc) === undefined) {
        out.push({
          ...(node.range ? pos(node.range[0]) : START),
          message: `unknown alias *${node.source}`,
          hint: `define the anchor &${node.source} before using it`,
        });
      }
    },
  });
  return out;
}

function locate(
  doc: Document,
  path: readonly (string | number)[],
  at: 'key' | undefined,
  pos: (offset: number) => Position,
): Position {
  let node: unknown = doc.contents;
  let best: Position = rangeStart(node, pos) ?? START;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i] as string | number;
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (pair === undefined) return best;
      const keyPos = rangeStart(pair.key, pos) ?? best;
      // An unknown key, or an empty value (`every:`): the key is what to look at.
      if ((at === 'key' && i === path.length - 1) || isEmpty(pair.value)) return keyPos;
      node = pair.value;
      best = rangeStart(node, pos) ?? keyPos;
    } else if (isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
      node = node.items[seg];
      best = rangeStart(node, pos) ?? best;
    } else {
      return best;
    }
  }
  return best;
}

function isEmpty(node: unknown): boolean {
  return node === null || node === undefined || (isScalar(node) && node.value === null && node.source === '');
}

function rangeStart(node: unknown, pos: (offset: number) => Position): Position | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? pos(range[0]) : undefined;
}
