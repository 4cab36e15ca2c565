import { FleetsimError } from '../core/errors.js';
import { getModel, modelNames } from '../devices/registry.js';
import type { ChannelInfo } from '../devices/model.js';
import { ScenarioError, compileScenarioText, loadScenarioFile } from '../scenario/index.js';
import type { RunPlan } from '../scenario/plan.js';
import { type VirtualSample, runVirtualShard, telemetryEndMs } from '../worker/virtual.js';

export interface PreviewRequest {
  /** A model name, or a scenario file (.yaml / .yml). */
  readonly subject: string;
  readonly devices: number;
  /** Timeline length for a model; for a scenario, cuts its timeline short when given. */
  readonly durationMs: number | undefined;
  /** Telemetry interval for a model preview. */
  readonly every: string;
  readonly seed: string | undefined;
  /** Model parameters for a model preview. */
  readonly params: Readonly<Record<string, unknown>>;
}

export interface Preview {
  readonly plan: RunPlan;
  /** Channel descriptions of every model involved. */
  readonly channels: Readonly<Record<string, ChannelInfo>>;
  readonly samples: readonly VirtualSample[];
}

export const DEFAULT_PREVIEW_DURATION_MS = 24 * 3_600_000;

/** Run a few devices of a model or a scenario in virtual time and collect their samples. */
export function preview(req: PreviewRequest): Preview {
  const plan = /\.ya?ml$/i.test(req.subject) ? scenarioPlan(req) : modelPlan(req);
  const endMs = Math.min(telemetryEndMs(plan), req.durationMs ?? Infinity);
  const samples: VirtualSample[] = [];
  const channels: Record<string, ChannelInfo> = {};
  for (const f of plan.fleets) {
    const model = getModel(f.model);
    if (model === undefined) throw new FleetsimError('FLEETSIM_E_USAGE', `unknown model "${f.model}"`);
    Object.assign(channels, model.channels);
    // The first `devices` devices of each fleet, as a one-fleet shard.
    const range = { index: 0, count: 1, first: f.firstIndex, end: f.firstIndex + Math.min(req.devices, f.count) };
    runVirtualShard(plan, range, [{ plan: f, model }], (s) => samples.push(s), endMs);
  }
  return { plan, channels, samples };
}

function scenarioPlan(req: PreviewRequest): RunPlan {
  return loadScenarioFile(req.subject, req.seed === undefined ? {} : { seed: req.seed });
}

/** A one-fleet scenario around the model, compiled like any other so its params are validated the same way. */
function modelPlan(req: PreviewRequest): RunPlan {
  if (getModel(req.subject) === undefined) {
    throw new FleetsimError('FLEETSIM_E_USAGE', `unknown model "${req.subject}"; known models: ${modelNames().join(', ')}`, {
      hint: 'or name a scenario file ending in .yaml; `fleetsim models` lists the models and their parameters',
    });
  }
  const seconds = Math.max(1, Math.round((req.durationMs ?? DEFAULT_PREVIEW_DURATION_MS) / 1000));
  const text = [
    'version: 1',
    `name: preview-${req.subject}`,
    `seed: ${JSON.stringify(req.seed ?? '1')}`,
    'fleets:',
    `  - id: ${JSON.stringify(req.subject)}`,
    `    model: ${JSON.stringify(req.subject)}`,
    `    count: ${req.devices}`,
    `    params: ${JSON.stringify(req.params)}`,
    `    telemetry: { every: ${JSON.stringify(req.every)} }`,
    'phases:',
    '  - { kind: connect, rate: 1000/s, settle: 0s }',
    `  - { kind: steady, duration: ${seconds}s }`,
    '',
  ].join('\n');
  try {
    return compileScenarioText(text, `preview of model ${req.subject}`);
  } catch (err) {
    if (!(err instanceof ScenarioError)) throw err;
    // The scenario is generated: speak of the flags the user typed, not of its lines.
    const lines = err.diagnostics.map((d) => {
      const param = /^fleets\[0\]\.params\.(.+)$/.exec(d.path)?.[1];
      const flag = param !== undefined ? `--set ${param}` : /telemetry\.every/.test(d.path) ? '--every' : d.path;
      return `  ${flag}: ${d.message}${d.hint === undefined ? '' : ` (${d.hint})`}`;
    });
    throw new FleetsimError('FLEETSIM_E_USAGE', `cannot preview ${req.subject}:\n${lines.join('\n')}`, {
      hint: `fleetsim models ${req.subject} lists its parameters`,
    });
  }
}
