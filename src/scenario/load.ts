import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { importModelModule } from '../devices/module-model.js';
import { compileScenarioText, type ScenarioOverrides } from './compile.js';
import { modulePaths } from './compile-models.js';
import { ScenarioError } from './diagnostics.js';
import type { RunPlan } from './plan.js';
import { parseYaml } from './yaml.js';

/**
 * Read and compile a scenario file, importing the TypeScript/JavaScript models its fleets name first. Throws
 * ScenarioError listing every problem, or saying why the file is unreadable.
 */
export async function loadScenarioFile(path: string, overrides: ScenarioOverrides = {}): Promise<RunPlan> {
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
  return compileScenarioText(text, path, overrides, await importModules(text, dirname(resolve(path))));
}

/** Import every module model the scenario names; what failed, by path, with the reason (the compiler reports it). */
async function importModules(text: string, dir: string): Promise<Map<string, string>> {
  const errors = new Map<string, string>();
  const yaml = parseYaml(text);
  if (yaml.problems.length > 0) return errors; // the compiler reports the syntax
  for (const path of modulePaths(yaml.data, dir)) {
    try {
      await importModelModule(path);
    } catch (err) {
      errors.set(path, firstLine(err));
    }
  }
  return errors;
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0] ?? text;
}
