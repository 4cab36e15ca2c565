import { type WriteStream, createWriteStream, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ExitCode, FleetsimError } from '../core/errors.js';
import { formatDuration, parseDuration } from '../core/duration.js';
import { type RunOutcome, defaultWorkers, runPlan } from '../engine/run.js';
import { type VirtualSink, runVirtual } from '../engine/virtual-run.js';
import { type RunResult, createRunResult, targetText } from '../metrics/result.js';
import { describePreflight } from '../engine/preflight.js';
import type { ShardSpec } from '../scenario/shard.js';
import { preflightWarnings, scaleOptions } from './scale-options.js';
import { thresholdsPassed } from '../metrics/thresholds.js';
import { renderJson } from '../report/json.js';
import { renderProgressLine } from '../report/progress.js';
import { renderSummary } from '../report/text.js';
import { renderVirtualJson } from '../report/virtual-json.js';
import { renderVirtualSummary } from '../report/virtual-text.js';
import { loadScenarioFile, scalePlan } from '../scenario/index.js';
import type { RunPlan } from '../scenario/plan.js';
import type { Terminal } from './terminal.js';

export interface RunArgs {
  readonly scenario: string;
  readonly target: string | undefined;
  readonly seed: string | undefined;
  readonly workers: number | undefined;
  readonly duration: string | undefined;
  readonly out: string | undefined;
  readonly quiet: boolean;
  readonly clock: 'live' | 'virtual' | undefined;
  /** Virtual time: NDJSON file, "stdout" (or "-"), or undefined for none. */
  readonly sink: string | undefined;
  /** The embedded hub's data directory (resolved by main.ts: --data-dir, FLEETSIM_DATA_DIR, XDG). */
  readonly dataDir?: string | undefined;
  /** Embedded hub: every fleet over TLS. */
  readonly tls?: boolean | undefined;
  /** An external fleetsim hub's service connection string (for the observer). */
  readonly hubService?: string | undefined;
  /** false: no delivery observer (--no-observer). */
  readonly observer?: boolean | undefined;
  /** --shard i/N (1-based): run only that part of the fleet. */
  readonly shard?: string | undefined;
  /** --processes: a number, or undefined / "auto" for the fewest that fit the open-file limit. */
  readonly processes?: string | undefined;
  /** --start-at: ISO time at which the timeline starts (shards on several machines start together). */
  readonly startAt?: string | undefined;
  /** --source-addresses: local address pool, e.g. 127.0.0.1-127.0.0.16. */
  readonly sourceAddresses?: string | undefined;
}

/** `fleetsim run`: compile, run, report; the exit code is the CI verdict. */
export async function runCommand(args: RunArgs, term: Terminal): Promise<number> {
  const plan = await preparePlan(args);
  const workers = args.workers ?? defaultWorkers(plan.totalDevices);
  if (plan.clock === 'virtual') return runVirtualCommand(plan, workers, args, term);
  if (args.sink !== undefined) throw new FleetsimError('FLEETSIM_E_USAGE', '--sink applies to virtual time only', { hint: 'add --clock virtual' });
  const scale = scaleOptions(plan, { ...args, workers: args.workers });
  if (!args.quiet) {
    term.err(describe(plan, scale.workers, term, scale.shard, scale.preflight.devices));
    term.err(term.errStyle.dim(describePreflight(scale.preflight)));
  }
  for (const w of preflightWarnings(scale.preflight)) term.err(`${term.errStyle.yellow('warning:')} ${w}`);

  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts === 1) {
      term.err(term.errStyle.yellow('interrupted: stopping devices, draining, then reporting (Ctrl-C again to quit now)'));
      controller.abort();
    } else process.exit(ExitCode.interrupted);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const live = !args.quiet && term.isErrTty;
    const outcome = await runPlan(plan, {
      workers: scale.workers,
      processes: scale.preflight.processes,
      shard: scale.shard,
      startAt: scale.startAt,
      signal: controller.signal,
      dataDir: args.dataDir,
      tls: args.tls,
      hubService: args.hubService,
      observer: args.observer,
      onProgress: live
        ? (view) => {
            const index = plan.phases.findIndex((p) => p.name === view.phase);
            term.status(renderProgressLine(view, { phaseIndex: index, phaseCount: plan.phases.length, totalDevices: scale.preflight.devices }, term.errStyle));
          }
        : undefined,
      onEvent: (e) => {
        if (e.type === 'warn') term.err(`${term.errStyle.yellow('warning:')} ${e.message}`);
        else if (!args.quiet && !live) term.err(`phase ${e.index + 1}/${plan.phases.length}: ${e.name}`);
      },
    });
    term.clearStatus();
    const exitCode = verdict(outcome);
    const result = createRunResult({ ...outcome, target: outcome.embedded ? `embedded (${outcome.url})` : targetText(plan.target), exitCode });
    term.out(renderSummary(result, term.style));
    const outDir = args.out ?? plan.report.outDir ?? undefined;
    if (outDir !== undefined) term.err(`result written to ${writeResult(outDir, result)}`);
    if (exitCode === ExitCode.internal) term.err(noDeviceMessage(outcome, term));
    return exitCode;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function preparePlan(args: RunArgs): Promise<RunPlan> {
  const plan = await loadScenarioFile(args.scenario, { seed: args.seed, target: args.target, clock: args.clock, sourceAddresses: args.sourceAddresses });
  if (args.workers !== undefined && (!Number.isInteger(args.workers) || args.workers < 1)) {
    throw new FleetsimError('FLEETSIM_E_USAGE', `--workers must be a whole number ≥ 1; got ${args.workers}`);
  }
  if (args.duration === undefined) return plan;
  const ms = parseDuration(args.duration);
  if (ms === undefined || ms <= 0) {
    throw new FleetsimError('FLEETSIM_E_USAGE', `--duration must be a duration such as 10s or 2m; got "${args.duration}"`);
  }
  return scalePlan(plan, ms);
}

/** Virtual time: simulate every device with no sockets, NDJSON to the sink, a throughput report on stderr or stdout. */
async function runVirtualCommand(plan: RunPlan, workers: number, args: RunArgs, term: Terminal): Promise<number> {
  const toStdout = args.sink === 'stdout' || args.sink === '-';
  let file: WriteStream | undefined;
  if (args.sink !== undefined && !toStdout) file = openSink(args.sink);
  const sink: VirtualSink =
    file !== undefined ? { kind: 'stream', stream: file, name: args.sink as string } : toStdout ? { kind: 'stream', stream: process.stdout, name: 'stdout' } : { kind: 'none' };
  if (!args.quiet) term.err(describe(plan, workers, term));
  const v = await runVirtual(plan, { workers, sink });
  if (file !== undefined) await new Promise<void>((resolve, reject) => file.end((err?: Error | null) => (err ? reject(err) : resolve())));
  const summary = { ...v, scenario: plan.name, seed: plan.seed, devices: plan.totalDevices, sink: sink.kind === 'none' ? null : sink.name };
  const text = renderVirtualSummary(summary, toStdout ? term.errStyle : term.style);
  if (toStdout) term.err(text);
  else term.out(text);
  const outDir = args.out ?? plan.report.outDir ?? undefined;
  if (outDir !== undefined) term.err(`result written to ${writeJson(outDir, `${plan.name}-virtual-${stampOf(new Date().toISOString())}`, renderVirtualJson(summary))}`);
  if (plan.thresholds.length > 0 && !args.quiet) term.err(term.errStyle.dim('thresholds are not evaluated in virtual time (no network to measure)'));
  return ExitCode.ok;
}

/** Open the sink file now, so a bad path is a clear usage error before any work, never a stream crash later. */
function openSink(path: string): WriteStream {
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (err) {
    throw new FleetsimError('FLEETSIM_E_USAGE', `--sink: cannot write "${path}": ${(err as Error).message}`, {
      hint: 'name a file in an existing folder, or write --sink stdout',
    });
  }
  return createWriteStream(path, { fd });
}

/** 130 interrupted; 1 when no device could connect; 99 when a threshold failed; else 0. */
export function verdict(outcome: RunOutcome): number {
  if (outcome.interrupted) return ExitCode.interrupted;
  if (outcome.devices > 0 && outcome.summary.total.counters['connect.ok'] === 0) return ExitCode.internal;
  if (!thresholdsPassed(outcome.thresholds) || outcome.abortReason !== null) return ExitCode.thresholdsFailed;
  return ExitCode.ok;
}

function noDeviceMessage(outcome: RunOutcome, term: Terminal): string {
  const errors = Object.entries(outcome.summary.total.errors)
    .filter(([k]) => k.startsWith('connect:'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([k, n]) => `${k.slice('connect:'.length)} ×${n}`)
    .join(', ');
  return `${term.errStyle.red(term.errStyle.bold('error:'))} no device could connect to ${outcome.url}${errors === '' ? '' : `: ${errors}`}`;
}

function describe(plan: RunPlan, workers: number, term: Terminal, shard?: ShardSpec, devices: number = plan.totalDevices): string {
  const target =
    plan.clock === 'virtual' ? 'nothing: virtual time, no sockets' : plan.target.kind === 'embedded' ? 'the embedded hub' : targetText(plan.target);
  const s = term.errStyle;
  const count = shard === undefined ? '' : ` of ${plan.totalDevices.toLocaleString('en-US')} (shard ${shard.index + 1}/${shard.count})`;
  return `${s.bold('fleetsim')} ${plan.name}: ${devices.toLocaleString('en-US')} devices${count}, ${plan.phases.length} phases, ~${formatDuration(plan.totalDurationMs)} against ${target} (seed ${plan.seed}, ${workers} worker${workers === 1 ? '' : 's'})`;
}

/** result JSON in DIR, named by scenario and start time so earlier results are never overwritten. */
function writeResult(dir: string, result: RunResult): string {
  return writeJson(dir, `${result.scenario}-${stampOf(result.startedAt)}`, renderJson(result));
}

const stampOf = (iso: string): string => iso.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

/** Write `{dir}/{name}.json` (name made file-safe); returns the absolute path. */
function writeJson(dir: string, name: string, text: string): string {
  mkdirSync(dir, { recursive: true });
  const file = resolve(join(dir, `${name.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`));
  writeFileSync(file, text);
  return file;
}
