import { readFileSync } from 'node:fs';
import { FleetsimError } from '../core/errors.js';
import { type RunResult, mergeResults, parseRunResult } from '../metrics/result.js';
import { renderJson } from '../report/json.js';
import { renderSummary } from '../report/text.js';
import type { Terminal } from './terminal.js';

/** `fleetsim report`: re-render one result file, or merge several (shards run on other machines) into one. */
export function reportCommand(args: { files: string[]; json: boolean }, term: Terminal): number {
  const results = args.files.map((file): RunResult => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new FleetsimError('FLEETSIM_E_USAGE', `cannot read ${file}: ${(err as Error).message}`);
    }
    return parseRunResult(text, file);
  });
  const result = results.length === 1 ? (results[0] as RunResult) : mergeResults(results);
  term.out(args.json ? renderJson(result) : renderSummary(result, term.style));
  return result.exitCode;
}
