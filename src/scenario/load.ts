import { readFileSync } from 'node:fs';
import { compileScenarioText, type ScenarioOverrides } from './compile.js';
import { ScenarioError } from './diagnostics.js';
import type { RunPlan } from './plan.js';

/** Read and compile a scenario file. Throws ScenarioError listing every problem, or saying why the file is unreadable. */
export function loadScenarioFile(path: string, overrides: ScenarioOverrides = {}): RunPlan {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder, not a file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    const hint =
      code === 'ENOENT'
        ? `check the path (relative to ${process.cwd()}); scenarios/quickstart.yaml is a good start`
        : 'give the path of a scenario YAML file';
    throw new ScenarioError([{ file: path, line: 1, col: 1, path: '', message: `cannot read the scenario: ${why}`, hint }], {
      message: `cannot read scenario file ${path}: ${why}`,
      hint,
      cause: err,
    });
  }
  return compileScenarioText(text, path, overrides);
}
