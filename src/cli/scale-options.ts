import { FleetsimError } from '../core/errors.js';
import { type MachineLimits, type Preflight, preflight, readLimits } from '../engine/preflight.js';
import { defaultLiveWorkers } from '../engine/run.js';
import { targetEndpoints } from '../scenario/endpoints.js';
import type { RunPlan } from '../scenario/plan.js';
import { type ShardSpec, parseShardSpec, shardDevices } from '../scenario/shard.js';

/** How a live run is spread: its shard (--shard), its start instant (--start-at), threads, and the preflight. */
export interface ScaleOptions {
  readonly shard: ShardSpec | undefined;
  readonly startAt: number | undefined;
  readonly workers: number;
  readonly preflight: Preflight;
}

export interface ScaleArgs {
  readonly shard?: string | undefined;
  readonly processes?: string | undefined;
  readonly startAt?: string | undefined;
  readonly workers?: number | undefined;
}

/** Check the scale flags (usage errors name the fix) and run the preflight on this machine's limits. */
export function scaleOptions(plan: RunPlan, args: ScaleArgs, nowMs: number = Date.now(), limits: MachineLimits = readLimits()): ScaleOptions {
  const shard = parseShard(args.shard, plan);
  const range = shard === undefined ? { first: 0, end: plan.totalDevices } : shardDevices(plan.totalDevices, shard);
  const devices = range.end - range.first;
  const workers = args.workers ?? defaultLiveWorkers(plan, devices);
  const processes = parseProcesses(args.processes);
  const startAt = parseStartAt(args.startAt, nowMs);
  const embedded = plan.target.kind === 'embedded';
  const p = preflight({
    devices,
    processes,
    threads: workers,
    endpoints: embedded ? 1 : targetEndpoints(plan.target).length,
    sourceAddresses: plan.target.sourceAddresses?.length ?? 0,
    embedded,
    limits,
  });
  return { shard, startAt, workers, preflight: p };
}

/** What the preflight does not refuse but the user should know. */
export function preflightWarnings(p: Preflight): string[] {
  if (p.availableBytes === undefined || p.memoryBytes <= p.availableBytes) return [];
  const mib = (b: number): string => Math.round(b / 1048576).toLocaleString('en-US');
  return [`the run is estimated at ~${mib(p.memoryBytes)} MiB and ${mib(p.availableBytes)} MiB are free: it may swap or be killed`];
}

function parseShard(text: string | undefined, plan: RunPlan): ShardSpec | undefined {
  if (text === undefined) return undefined;
  const spec = parseShardSpec(text);
  if ('problem' in spec) throw new FleetsimError('FLEETSIM_E_USAGE', `--shard: ${spec.problem}`, { hint: 'shards are 1-based: --shard 1/2 and --shard 2/2 run the two halves' });
  if (plan.target.kind === 'embedded') {
    throw new FleetsimError('FLEETSIM_E_USAGE', '--shard splits one fleet over machines that share a broker; this run targets the embedded hub', {
      hint: 'give every shard the same --target (a broker they all reach), or use --processes to spread a run over this machine',
    });
  }
  return spec;
}

function parseProcesses(text: string | undefined): number | undefined {
  if (text === undefined || text === 'auto') return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    throw new FleetsimError('FLEETSIM_E_USAGE', `--processes must be a whole number ≥ 1 or "auto"; got "${text}"`, { hint: 'omit it: fleetsim picks the fewest processes that fit the open-file limit' });
  }
  return n;
}

function parseStartAt(text: string | undefined, nowMs: number): number | undefined {
  if (text === undefined) return undefined;
  const at = /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(at)) {
    throw new FleetsimError('FLEETSIM_E_USAGE', `--start-at: expected an ISO 8601 time such as 2026-03-01T12:00:00Z; got "${text}"`, {
      hint: 'e.g. --start-at "$(date -u -d +1min +%Y-%m-%dT%H:%M:%SZ)" on every machine',
    });
  }
  if (at < nowMs - 1000) {
    throw new FleetsimError('FLEETSIM_E_USAGE', `--start-at ${text} is ${Math.round((nowMs - at) / 1000)} s in the past`, {
      hint: 'pick an instant far enough ahead for every shard to start (connect to the broker, spawn workers): a minute is safe',
    });
  }
  return at;
}
