import type { RunResult } from '../metrics/result.js';

/** The result file's text: pretty JSON (2-space indent) with a trailing newline. Histograms are already encoded. */
export function renderJson(result: RunResult): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}
