import { FleetsimError } from '../core/errors.js';
import { extname, resolve } from 'node:path';
import { loadModel } from '../devices/model-ref.js';
import { MODULE_EXTENSIONS, importModelModule } from '../devices/module-model.js';
import { getModel, modelNames } from '../devices/registry.js';
import { isModelFile, isModelPath } from '../scenario/compile-models.js';
import type { ChannelInfo } from '../devices/model.js';
import { ScenarioError, compileScenarioText, loadScenarioFile } from '../scenario/index.js';
import type { RunPlan } from '../scenario/plan.js';
import { type VirtualSample, runVirtualShard, telemetryEndMs } from '../worker/virtual.js';

export interface PreviewRequest {
  /** A model name, a model file (.model.yaml) or module (.ts / .js), or a scenario file (.yaml / .yml). */
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
export async function preview(req: PreviewRequest): Promise<Preview> {
  const scenario = /\.ya?ml$/i.test(req.subject) && !isModelFile(req.subject);
  const plan = scenario ? await scenarioPlan(req) : await modelPlan(req);
  const endMs = Math.min(telemetryEndMs(plan), req.durationMs ?? Infinity);
  const samples: VirtualSample[] = [];
  const channels: Record<string, ChannelInfo> = {};
  for (const f of plan.fleets) {
    const model = await loadModel(f.modelRef);
    Object.assign(channels, model.channels);
    // The first `devices` devices of each fleet, as a one-fleet shard.
    const range = { index: 0, count: 1, first: f.firstIndex, end: f.firstIndex + Math.min(req.devices, f.count) };
    runVirtualShard(plan, range, [{ plan: f, model }], (s) => samples.push(s), endMs);
  }
  return { plan, channels, samples };
}

function scenarioPlan(req: PreviewRequest): Promise<RunPlan> {
  return loadScenarioFile(req.subject, req.seed === undefined ? {} : { seed: req.seed });
}

/** A one-fleet scenario around the model, compiled like any other so its params are validated the same way. */
async function modelPlan(req: PreviewRequest): Promise<RunPlan> {
  const path = isModelPath(req.subject);
  if (!path && getModel(req.subject) === undefined) {
    throw new FleetsimError('FLEETSIM_E_USAGE', `unknown model "${req.subject}"; known models: ${modelNames().join(', ')}`, {
      hint: 'or name a scenario file ending in .yaml; `fleetsim models` lists the models and their parameters',
    });
  }
  const seconds = Math.max(1, Math.round((req.durationMs ?? DEFAULT_PREVIEW_DURATION_MS) / 1000));
  const generated = `preview of model ${req.subject}`;
  const text = [
    'version: 1',
    `name: preview-${req.subject}`,
    `seed: ${JSON.stringify(req.seed ?? '1')}`,
    'fleets:',
    `  - id: ${JSON.stringify(path ? 'preview' : req.subject)}`,
    `    model: ${JSON.stringify(path ? resolve(req.subject) : req.subject)}`,
    `    count: ${req.devices}`,
    `    params: ${JSON.stringify(req.params)}`,
    `    telemetry: { every: ${JSON.stringify(req.every)} }`,
    'phases:',
    '  - { kind: connect, rate: 1000/s, settle: 0s }',
    `  - { kind: steady, duration: ${seconds}s }`,
    '',
  ].join('\n');
  try {
    return compileScenarioText(text, generated, {}, await moduleErrors(req.subject));
  } catch (err) {
    if (!(err instanceof ScenarioError)) throw err;
    // The scenario is generated: speak of the flags the user typed, not of its lines.
    const lines = err.diagnostics.map((d) => {
      const param = /^fleets\[0\]\.params\.(.+)$/.exec(d.path)?.[1];
      const flag = param !== undefined ? `--set ${param}` : /telemetry\.every/.test(d.path) ? '--every' : d.path;
      return `  ${flag}: ${d.message.replace(/ \(fleet [^)]*\)/, '')}${d.hint === undefined ? '' : ` (${d.hint})`}`;
    });
    // A model file's own problems, at its own lines; the generated scenario's pointer to them is noise.
    const own = err.diagnostics.filter((d) => d.file !== generated);
    if (path && own.length > 0) throw new ScenarioError(own, { message: `invalid model file ${req.subject}: ${own.length === 1 ? '1 problem' : `${own.length} problems`}` });
    throw new FleetsimError('FLEETSIM_E_USAGE', `cannot preview ${req.subject}:\n${lines.join('\n')}`, {
      hint: `fleetsim models ${req.subject} lists its parameters`,
    });
  }
}

/** A module model is imported before compiling (the compiler is synchronous); why it failed, for its message. */
async function moduleErrors(subject: string): Promise<Map<string, string>> {
  const errors = new Map<string, string>();
  if (!(MODULE_EXTENSIONS as readonly string[]).includes(extname(subject).toLowerCase())) return errors;
  const abs = resolve(subject);
  await importModelModule(abs).catch((err: unknown) => errors.set(abs, err instanceof Error ? err.message : String(err)));
  return errors;
}
