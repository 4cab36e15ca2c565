import { FleetsimError } from '../core/errors.js';

/** One problem in a scenario file, positioned at the YAML node it is about. */
export interface Diagnostic {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly col: number;
  /** Where in the document, e.g. fleets[0].telemetry.every; empty for the document as a whole. */
  readonly path: string;
  /** What was expected and what was found. */
  readonly message: string;
  /** What to write instead, when there is a likely fix. */
  readonly hint?: string;
}

/** A path as written in messages: fleets[0].telemetry.every, thresholds["telemetry.latency{phase:steady}"][0]. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && /^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

/** Grouped by file (in the order the files first appear), then sorted by line and column: the order files are read in. */
export function sortDiagnostics(diags: readonly Diagnostic[]): Diagnostic[] {
  const files = [...new Set(diags.map((d) => d.file))];
  return [...diags].sort((a, b) => files.indexOf(a.file) - files.indexOf(b.file) || a.line - b.line || a.col - b.col);
}

/**
 * Compiler-style text, one problem per line plus an indented hint, and a count:
 *
 *     scenarios/bad.yaml:12:7  fleets[0].telemetry.every: expected a duration such as 500ms, 10s or 5m; found "10 seconds"
 *         hint: write 10s
 *     1 problem
 *
 * No colors: the CLI adds them.
 */
export function formatDiagnostics(diags: readonly Diagnostic[]): string {
  const lines: string[] = [];
  for (const d of sortDiagnostics(diags)) {
    const where = `${d.file}:${d.line}:${d.col}`;
    lines.push(d.path === '' ? `${where}  ${d.message}` : `${where}  ${d.path}: ${d.message}`);
    if (d.hint !== undefined) lines.push(`    hint: ${d.hint}`);
  }
  lines.push(diags.length === 1 ? '1 problem' : `${diags.length} problems`);
  return lines.join('\n');
}

/**
 * A scenario that cannot run, with every problem found in it. The message is a headline ("invalid scenario
 * scenarios/bad.yaml: 3 problems"); print formatDiagnostics(err.diagnostics) under it.
 */
export class ScenarioError extends FleetsimError {
  readonly diagnostics: readonly Diagnostic[];

  constructor(diagnostics: readonly Diagnostic[], options: { message?: string; hint?: string; cause?: unknown } = {}) {
    const sorted = sortDiagnostics(diagnostics);
    const files = [...new Set(sorted.map((d) => d.file))].join(', ');
    const count = sorted.length === 1 ? '1 problem' : `${sorted.length} problems`;
    super('FLEETSIM_E_SCENARIO', options.message ?? `invalid scenario ${files}: ${count}`, {
      ...(options.hint === undefined ? {} : { hint: options.hint }),
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.name = 'ScenarioError';
    this.diagnostics = Object.freeze(sorted);
  }

  override toJSON(): ReturnType<FleetsimError['toJSON']> & { diagnostics: Diagnostic[] } {
    return { ...super.toJSON(), diagnostics: [...this.diagnostics] };
  }
}

/**
 * Messages built deep inside zod error maps carry their hint after this marker; {@link splitHint} takes it apart.
 * A newline, so a message printed raw still reads well.
 */
const HINT_MARK = '\nhint: ';

export function withHint(message: string, hint: string | undefined): string {
  return hint === undefined ? message : `${message}${HINT_MARK}${hint}`;
}

export function splitHint(text: string): { message: string; hint?: string } {
  const at = text.indexOf(HINT_MARK);
  return at < 0 ? { message: text } : { message: text.slice(0, at), hint: text.slice(at + HINT_MARK.length) };
}
