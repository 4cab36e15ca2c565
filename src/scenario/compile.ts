/**
 * Scenario text → RunPlan. Every problem is collected first (YAML syntax, then schema and semantic problems together)
 * and thrown at once as a ScenarioError whose diagnostics point at line:col; a returned plan is valid and deep-frozen.
 */
import { basename, dirname, extname, resolve } from 'node:path';
import { parseDuration } from '../core/duration.js';
import { FleetsimError } from '../core/errors.js';
import { isMap, rawString, type CompileContext } from './compile-context.js';
import { compileFleets } from './compile-fleets.js';
import { compileModels } from './compile-models.js';
import { compilePhases } from './compile-phases.js';
import { compileSecureOs, secureOsTargetProblem, virtualRolloutProblem } from './compile-secure-os.js';
import { compileThresholds } from './compile-thresholds.js';
import { ScenarioError, formatPath, type Diagnostic } from './diagnostics.js';
import { checkTarget, sourceAddressesFlag, targetFlag, targetPlanOf, withTargetFlags } from './compile-target.js';
import { deepFreeze } from './freeze.js';
import { IssueMapper, problem, type Problem } from './issues.js';
import { EMBEDDED_HUB_HOST, seededGroupKey } from '../iothub/fleet-keys.js';
import type { FleetPlan, RunPlan, TargetPlan } from './plan.js';
import { ScenarioSchema } from './schema.js';
import { describeFound } from './wording.js';
import { parseYaml, type ParsedYaml } from './yaml.js';

/** Command-line flags that win over the scenario file. */
export interface ScenarioOverrides {
  /** --seed */
  seed?: string | undefined;
  /** --clock */
  clock?: 'live' | 'virtual' | undefined;
  /** --target: "embedded" or a URL with scheme mqtt, mqtts, ws or wss; several URLs separated by commas. */
  target?: string | undefined;
  /** --source-addresses: a pool of local addresses such as 127.0.0.1-127.0.0.16. */
  sourceAddresses?: string | undefined;
}

/**
 * Compile scenario text. `moduleErrors`: why module models named by the scenario failed to import (loadScenarioFile
 * imports them first; from text alone, module models are not available).
 */
export function compileScenarioText(
  text: string,
  file: string,
  overrides: ScenarioOverrides = {},
  moduleErrors: ReadonlyMap<string, string> = new Map(),
): RunPlan {
  const flags = checkOverrides(overrides);
  const yaml = parseYaml(text);
  if (yaml.problems.length > 0) {
    throw new ScenarioError(yaml.problems.map((p) => ({ file, line: p.line, col: p.col, path: '', message: p.message, ...hintOf(p.hint) })));
  }
  const data = yaml.data;
  if (!isMap(data)) {
    const found = data === null || data === undefined ? 'an empty file' : describeFound(data);
    throw new ScenarioError([
      { file, line: 1, col: 1, path: '', message: `expected a map of scenario keys (version, fleets, phases…); found ${found}`, hint: 'start from scenarios/quickstart.yaml' },
    ]);
  }

  const problems: Problem[] = [];
  const mapper = new IssueMapper();
  const parsed = mapper.parse(ScenarioSchema, data);
  if (!parsed.ok) problems.push(...parsed.problems);
  const ctx: CompileContext = { mapper, dir: dirname(resolve(file)), report: (p) => problems.push(p) };
  const fileProblems: Diagnostic[] = [];
  const models = compileModels(data.models, ctx, moduleErrors, fileProblems);
  const secure = compileSecureOs(data, compileFleets(data.fleets, ctx, models), ctx);
  const fleets = secure.fleets;
  const phases = compilePhases(data.phases, fleets, ctx, secure.firmware);
  const thresholds = compileThresholds(data.thresholds, phases.names, ctx);
  checkHubUnits(data.hub, ctx);
  checkTarget(data.target, ctx);

  if (problems.length > 0 || !parsed.ok || fleets.plans === undefined || phases.plans === undefined) {
    if (problems.length === 0) throw new FleetsimError('FLEETSIM_E_INTERNAL', `scenario ${file} failed to compile without a reported problem`);
    throw new ScenarioError([...unique(problems).map((p) => diagnostic(p, file, yaml)), ...fileProblems]);
  }

  const s = parsed.value;
  const ms = (t: string) => parseDuration(t) as number;
  const seed = flags.seed ?? String(s.seed);
  const target = withTargetFlags(targetPlanOf(s.target), flags.target, flags.sourceAddresses);
  const secureTarget = secureOsTargetProblem(fleets.plans, target);
  if (secureTarget !== undefined && flags.target !== undefined) {
    throw new FleetsimError('FLEETSIM_E_USAGE', `--target: ${secureTarget}`, { hint: 'omit --target to run against the embedded hub' });
  }
  if (secureTarget !== undefined) {
    throw new ScenarioError([diagnostic(problem(['target'], secureTarget, 'remove target: (the embedded hub is the default)'), file, yaml)]);
  }
  const clock = flags.clock ?? s.clock;
  const rollout = clock === 'virtual' ? virtualRolloutProblem(data.phases) : undefined;
  if (rollout !== undefined && flags.clock === 'virtual') {
    throw new FleetsimError('FLEETSIM_E_USAGE', `--clock virtual: ${rollout.message}`, { hint: 'run it live (omit --clock virtual), or remove the firmware-rollout phase for the virtual run' });
  }
  if (rollout !== undefined) {
    throw new ScenarioError([diagnostic(problem(['phases', rollout.index, 'kind'], rollout.message, 'set clock: live, or remove the firmware-rollout phase'), file, yaml)]);
  }
  return deepFreeze({
    version: 1,
    name: s.name ?? basename(file, extname(file)),
    seed,
    startTimeMs: Date.parse(s.startTime),
    clock,
    source: file,
    target,
    hub: {
      throttle: s.hub.tier === undefined ? null : { tier: s.hub.tier, units: s.hub.units, queueSeconds: ms(s.hub.shapingQueue) / 1000 },
      stream: s.hub.stream ?? null,
      webhook: s.hub.webhook ?? null,
      ...(secure.attestation === undefined ? {} : { attestation: secure.attestation }),
    },
    fleets: fleets.plans.map((f) => withIotHubIdentity(f, seed, target)),
    totalDevices: fleets.plans.reduce((n, f) => n + f.count, 0),
    phases: phases.plans,
    totalDurationMs: phases.plans.reduce((n, p) => n + p.durationMs, 0),
    thresholds,
    report: { outDir: s.report.out, lateThresholdMs: ms(s.report.lateThreshold), saturationMs: ms(s.report.saturation) },
    ...(secure.firmware.length === 0 ? {} : { firmware: secure.firmware }),
  } satisfies RunPlan);
}

interface Flags {
  seed?: string;
  target?: TargetPlan;
  sourceAddresses?: string[];
  clock?: 'live' | 'virtual';
}

function checkOverrides(o: ScenarioOverrides): Flags {
  const out: Flags = {};
  if (o.clock !== undefined) out.clock = o.clock;
  if (o.target !== undefined) out.target = targetFlag(o.target);
  if (o.sourceAddresses !== undefined) out.sourceAddresses = sourceAddressesFlag(o.sourceAddresses);
  if (o.seed !== undefined) {
    if (o.seed.trim() === '') throw new FleetsimError('FLEETSIM_E_USAGE', '--seed: expected a non-empty string; found ""');
    out.seed = o.seed;
  }
  return out;
}

/**
 * IoT Hub fleets sign for the hub they talk to: the embedded hub's name, or the target URL's host, unless the scenario
 * names one; and without a group key, one derived from the seed (the same scenario and seed, the same device keys).
 */
function withIotHubIdentity(f: FleetPlan, seed: string, target: TargetPlan): FleetPlan {
  const iothub = f.transport.iothub;
  if (iothub === undefined) return f;
  const hostName = iothub.hostName !== '' ? iothub.hostName : target.kind === 'embedded' ? EMBEDDED_HUB_HOST : new URL(target.url).hostname;
  const groupKey = iothub.groupKey !== '' ? iothub.groupKey : seededGroupKey(seed, f.id);
  return { ...f, transport: { ...f.transport, iothub: { ...iothub, hostName, groupKey } } };
}

function diagnostic(p: Problem, file: string, yaml: ParsedYaml): Diagnostic {
  const { line, col } = yaml.locate(p.path, p.at);
  return { file, line, col, path: formatPath(p.path), message: p.message, ...hintOf(p.hint) };
}

function hintOf(hint: string | undefined): { hint?: string } {
  return hint === undefined ? {} : { hint };
}

function unique(problems: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${formatPath(p.path)}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const MAX_UNITS: Readonly<Record<string, number>> = { F1: 1, S1: 200, S2: 200, S3: 10 };

/** A tier's unit count within IoT Hub's range (reference §5.1): F1 1, S1/S2 up to 200, S3 up to 10. */
function checkHubUnits(hub: unknown, ctx: CompileContext): void {
  const tier = rawString(hub, 'tier');
  const units = isMap(hub) ? hub.units : undefined;
  const max = tier === undefined ? undefined : MAX_UNITS[tier];
  if (max === undefined || typeof units !== 'number' || units <= max || units > 200) return; // > 200: the schema says so
  ctx.report(problem(['hub', 'units'], `${tier} takes 1 to ${max} unit${max === 1 ? '' : 's'}; found ${units}`, `use a larger tier, or units: ${max}`));
}
