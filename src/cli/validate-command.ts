import { formatDuration } from '../core/duration.js';
import { isModelFile } from '../scenario/compile-models.js';
import { loadScenarioFile } from '../scenario/index.js';
import { loadModelFromPath } from '../scenario/model-file.js';
import { FleetsimError } from '../core/errors.js';
import { describePreflight } from '../engine/preflight.js';
import { targetText } from '../metrics/result.js';
import type { RunPlan } from '../scenario/plan.js';
import { scaleOptions } from './scale-options.js';
import type { Terminal } from './terminal.js';

/**
 * `fleetsim validate`: load and compile only; every problem is reported at once (exit 2), or a summary (exit 0).
 * A model file (*.model.yaml) or module (.ts / .js) is checked as a model.
 */
export async function validateCommand(args: { scenario: string; quiet: boolean }, term: Terminal): Promise<number> {
  if (isModelFile(args.scenario)) {
    const model = await loadModelFromPath(args.scenario);
    if (!args.quiet) term.out(`${term.style.green('✓')} ${args.scenario} is a valid model: ${model.name}, channels ${Object.keys(model.channels).join(', ')}`);
    return 0;
  }
  const plan = await loadScenarioFile(args.scenario);
  if (args.quiet) return 0;
  const s = term.style;
  const lines = [
    `${s.green('✓')} ${args.scenario} is valid: ${plan.name}`,
    `  ${plan.totalDevices.toLocaleString('en-US')} devices in ${plan.fleets.length} fleet${plan.fleets.length === 1 ? '' : 's'}: ${plan.fleets.map((f) => `${f.id} (${f.count} × ${f.model})`).join(', ')}`,
    `  ${plan.phases.length} phases, ~${formatDuration(plan.totalDurationMs)}: ${plan.phases.map((p) => `${p.name} ${formatDuration(p.durationMs)}`).join(' → ')}`,
    `  ${plan.thresholds.reduce((n, t) => n + t.expressions.length, 0)} thresholds; target ${plan.target.kind === 'embedded' ? 'embedded hub' : targetText(plan.target)}; seed ${plan.seed}`,
  ];
  if (plan.clock === 'live') lines.push(...ceiling(plan).split('\n').map((l) => `  ${l}`));
  term.out(lines.join('\n'));
  return 0;
}

/** The preflight on this machine (src/engine/preflight.ts), or why `run` would refuse it here: not a scenario error. */
function ceiling(plan: RunPlan): string {
  try {
    return describePreflight(scaleOptions(plan, {}).preflight);
  } catch (err) {
    if (!(err instanceof FleetsimError)) throw err;
    return `preflight: run would refuse this on this machine: ${err.message}${err.hint === undefined ? '' : ` (${err.hint})`}`;
  }
}
