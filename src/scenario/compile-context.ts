import type { IssueMapper, Problem } from './issues.js';

/** What the compile steps share: the zod issue mapper, where problems go, and the scenario file's folder. */
export interface CompileContext {
  readonly mapper: IssueMapper;
  /** Absolute folder of the scenario file; relative file paths in it (TLS) resolve against it. */
  readonly dir: string;
  report(problem: Problem): void;
}

export type RawMap = Readonly<Record<string, unknown>>;

export function isMap(value: unknown): value is RawMap {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** A field of a raw (not yet validated) map, when it has the expected type. */
export function rawString(map: unknown, key: string): string | undefined {
  const v = isMap(map) ? map[key] : undefined;
  return typeof v === 'string' ? v : undefined;
}

export function rawItems(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}
