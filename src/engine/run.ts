import { availableParallelism } from 'node:os';
import { type Clock, systemClock } from '../core/clock.js';
import { FleetsimError, failureCode } from '../core/errors.js';
import type { LiveView } from '../metrics/accumulator.js';
import type { HubStats } from '../metrics/hub-report.js';
import { mergeSecureOsReports, type SecureOsReport } from '../metrics/secure-os-report.js';
import type { RunData } from '../metrics/run-data.js';
import { type RunSummary, summarize } from '../metrics/summary.js';
import { type ThresholdResult, evaluateThresholds } from '../metrics/thresholds.js';
import type { RunPlan } from '../scenario/plan.js';
import { targetEndpoints } from '../scenario/endpoints.js';
import { type ShardSpec, layoutShards, shardDevices } from '../scenario/shard.js';
import type { ShardResult } from '../worker/protocol.js';
import { Collector, type EngineEvent } from './collector.js';
import { ObserverThread } from './observer-client.js';
import { type RunningShards, startShards } from './launch.js';
import { deviceIds } from './own-devices.js';
import { ServiceCalls } from './service-calls.js';
import { brokerOnThisMachine } from './local-broker.js';
import { prepareFleetCertificates } from './fleet-certs.js';
import { type Target, ownEndpointDevices, planForTarget, startTarget } from './target.js';

export interface RunOptions {
  /** Worker threads (shards); default: see defaultWorkers. */
  readonly workers?: number;
  /** Aborting it stops the devices, drains briefly and still produces the full outcome (Ctrl-C). */
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
  /** Called about once a second with live figures. */
  readonly onProgress?: ((view: LiveView) => void) | undefined;
  readonly onEvent?: (e: EngineEvent) => void;
  /** The embedded hub's data directory (its CA, the X.509 fleets' certificates); needed by TLS and X.509 runs. */
  readonly dataDir?: string | undefined;
  /** Against the embedded hub, connect every fleet over TLS (default: only X.509 fleets; the others use plain MQTT). */
  readonly tls?: boolean | undefined;
  /** An external fleetsim hub's service connection string, so the observer can read IoT Hub telemetry there. */
  readonly hubService?: string | undefined;
  /**
   * false: no observer (no subscriber, no delivery or end-to-end figures): the devices and the broker alone, e.g. to
   * measure the generator's own cost, or when the broker cannot deliver to one subscriber at the run's rate.
   */
  readonly observer?: boolean | undefined;
  /** Run only this shard of the fleet (`--shard i/N`); its observer counts only its own devices. Default: all. */
  readonly shard?: ShardSpec | undefined;
  /** OS processes the devices run in (1: threads of this process; more: forked shard processes). Default 1. */
  readonly processes?: number | undefined;
  /** Absolute start of the timeline (epoch ms), so shards started apart begin together; default: when all are ready. */
  readonly startAt?: number | undefined;
}

export interface RunOutcome {
  readonly plan: RunPlan;
  /** The broker URL devices connected to. */
  readonly url: string;
  readonly embedded: boolean;
  readonly workers: number;
  /** OS processes that ran devices. */
  readonly processes: number;
  /** Devices this run drove: all of the plan's, or its shard's. */
  readonly devices: number;
  readonly shard: ShardSpec | undefined;
  readonly startedAt: Date;
  readonly endedAt: Date;
  readonly interrupted: boolean;
  /** Why the run stopped early (abortOnFail threshold, interrupt), or null. */
  readonly abortReason: string | null;
  readonly data: RunData;
  readonly summary: RunSummary;
  readonly thresholds: ThresholdResult[];
  /** The embedded hub's throttling and telemetry-stream counters (undefined for an external target). */
  readonly hub: HubStats | undefined;
  /** Secure-OS fleets: the shards' tallies merged (undefined without secureOs fleets). */
  readonly secureOs: SecureOsReport | undefined;
}

const TICK_MS = 1000;

/** Virtual time (CPU-bound: every worker computes): one worker per 2,500 devices, at most one per core. */
export function defaultWorkers(totalDevices: number): number {
  return Math.max(1, Math.min(availableParallelism(), Math.ceil(totalDevices / 2500)));
}

/**
 * Live (I/O-bound: a worker mostly waits on sockets): one worker per 10,000 devices, per 25,000 messages a second
 * offered or per 5,000 connections a second of the fastest connect phase, at most one per core, and one core left to
 * the broker when it runs on this machine (the embedded hub, or a loopback or own-address target; brokerOnThisMachine).
 * Fewer threads wake less often and switch less, which matters most where the broker shares the machine: measured on
 * 2 cores with Mosquitto beside it, 10,000 devices at one QoS 1 message a second took 23 % of a core on one worker and
 * 32 % on two, with the same latency; 10,000 devices asked to connect at 20,000/s overflowed Mosquitto's listen queue
 * (backlog 100) 36 times on one worker and 1,739 times on two (each a device waiting a second for TCP's SYN retry:
 * p99 connect latency 1.29 s against 1.97 s).
 */
export function defaultLiveWorkers(plan: RunPlan, devices: number = plan.totalDevices, cores: number = availableParallelism()): number {
  const share = plan.totalDevices === 0 ? 0 : devices / plan.totalDevices;
  const msgPerS = plan.fleets.reduce((sum, f) => sum + (f.telemetry.everyMs > 0 ? (f.count * 1000) / f.telemetry.everyMs : 0), 0) * share;
  const connectPerS = plan.phases.reduce((max, p) => (p.kind === 'connect' ? Math.max(max, p.fromPerS, p.toPerS) : max), 0) * share;
  const needed = Math.max(Math.ceil(devices / 10_000), Math.ceil(msgPerS / 25_000), Math.ceil(connectPerS / 5_000));
  const usable = brokerOnThisMachine(plan) ? cores - 1 : cores;
  return Math.max(1, Math.min(usable, needed));
}

/**
 * Run a compiled plan end to end: target → observer → shards on the pool → merged metrics → summary + thresholds.
 * Device-level failures are data in the outcome; only a failure of the run itself (target unreachable) throws.
 */
export async function runPlan(compiled: RunPlan, options: RunOptions = {}): Promise<RunOutcome> {
  const clock = options.clock ?? systemClock;
  const emit = options.onEvent ?? (() => {});
  const startedAt = new Date();
  const servicePhases = compiled.phases.filter((p) => p.kind === 'invoke-method' || p.kind === 'twin-update');
  if (servicePhases.length > 0 && compiled.target.kind === 'url') {
    throw new FleetsimError('FLEETSIM_E_USAGE', `phase ${servicePhases[0]?.name ?? ''} calls the hub's service API, which fleetsim drives on its embedded hub only for now`, {
      hint: 'run against the embedded hub (omit --target), or drop the invoke-method and twin-update phases for an external broker',
    });
  }
  const prepared = await prepareFleetCertificates(compiled, options.dataDir);
  const target = await startTarget(prepared.plan, { dataDir: options.dataDir, tls: options.tls, credentials: prepared.credentials, hubService: options.hubService });
  const plan = planForTarget(prepared.plan, target, options.tls === true);
  let service: ServiceCalls | undefined;
  let observer: ObserverThread | undefined;
  let running: RunningShards | undefined;
  let ticker: NodeJS.Timeout | undefined;
  try {
    const range = options.shard === undefined ? { first: 0, end: plan.totalDevices } : shardDevices(plan.totalDevices, options.shard);
    const devices = range.end - range.first;
    if (options.observer !== false) observer = await startObserver(target, plan, options.shard === undefined ? undefined : deviceIds(plan, range));
    const obs = observer;
    const processes = Math.max(1, Math.min(options.processes ?? 1, devices));
    const threads = Math.max(processes, options.workers ?? defaultLiveWorkers(plan, devices));
    const layout = layoutShards(range, processes, Math.ceil(threads / processes));
    const shardCount = layout.reduce((k, p) => k + p.length, 0);
    const collector = new Collector(plan, clock, emit);
    if (target.service !== undefined && servicePhases.length > 0) service = new ServiceCalls(plan, target.service, () => clock.now());
    const svc = service;
    let ready = 0;
    let abortReason: string | null = null;
    const started = startShards(shardPlan(plan, target), layout, { url: target.url, httpUrl: target.deviceUrl }, (msg) => {
      collector.onMessage(msg);
      if (msg.type === 'ready' && ++ready === shardCount) {
        const t0 = Math.max(clock.now() + 20, options.startAt ?? 0);
        for (const h of handles) h.send({ type: 'start', t0 });
        service?.start(t0);
      }
    });
    running = started;
    const handles = started.handles;
    const stopAll = (reason: string): void => {
      if (abortReason !== null) return;
      abortReason = reason;
      for (const h of handles) h.send({ type: 'stop', reason });
    };
    const onAbort = (): void => stopAll('interrupted');
    if (options.signal?.aborted === true) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });

    ticker = setInterval(() => {
      const phase = collector.phase;
      obs?.requestSnapshot((snap) => {
        const current = collector.phase ?? phase;
        if (current !== undefined) collector.acc.add('observer', current.name, snap);
      });
      if (svc !== undefined && phase !== undefined) collector.acc.add('service', phase.name, svc.snapshot());
      options.onProgress?.(collector.acc.live());
      const now = clock.now();
      const failed = failingAbortThreshold(plan, collector, now, now - startedAt.getTime());
      if (failed !== undefined) stopAll(`threshold ${failed} failed (abortOnFail)`);
    }, TICK_MS);

    const settled = await Promise.allSettled(handles.map((h) => h.result));
    clearInterval(ticker);
    options.signal?.removeEventListener('abort', onAbort);
    const results = shardResults(settled, emit);
    if (svc !== undefined) {
      await svc.stop();
      const current = collector.phase ?? { name: plan.phases[0]?.name ?? 'run' };
      collector.acc.add('service', current.name, svc.snapshot());
    }
    await waitForIntervals(collector, results);
    const acked = collector.acc.data().phases.reduce((n, p) => n + (p.counters['telemetry.acked'] ?? 0), 0);
    const unobserved = ownEndpointDevices(compiled);
    if (unobserved.size > 0) emit({ type: 'warn', message: `not observed (own endpoint): ${[...unobserved].join(', ')}; delivery figures leave them out` });
    const final = obs === undefined ? undefined : await obs.finish(acked, results.flatMap((r) => r.ledger).filter((l) => !unobserved.has(l.deviceId)));
    collector.end();
    const last = collector.phase ?? { name: plan.phases[0]?.name ?? 'run', index: 0 };
    if (final === undefined) emit({ type: 'warn', message: 'no observer (--no-observer): delivery and end-to-end figures were not measured' });
    else {
      collector.acc.add('observer', last.name, final.snapshot);
      collector.acc.addRunTotal({ 'delivery.lost': final.lost });
    }
    if (final !== undefined && final.malformed > 0) emit({ type: 'warn', message: `observer ignored ${final.malformed} malformed messages` });
    if (final?.lostConnection !== undefined) {
      emit({
        type: 'warn',
        message: `the observer lost its connection to ${target.url} (${final.lostConnection}): delivery and e2e figures are incomplete`,
      });
    }

    const hub = await hubStatsOf(target, emit);
    const data = collector.acc.data();
    const summary = summarize(data, { saturationMs: plan.report.saturationMs });
    return {
      plan,
      url: target.url,
      embedded: target.embedded,
      workers: shardCount,
      processes: started.processes,
      devices,
      shard: options.shard,
      startedAt,
      endedAt: new Date(),
      interrupted: options.signal?.aborted === true,
      abortReason,
      data,
      summary,
      thresholds: evaluateThresholds(plan.thresholds, summary),
      hub,
      secureOs: secureOsOf(results),
    };
  } finally {
    if (ticker !== undefined) clearInterval(ticker);
    await service?.stop(0);
    await running?.close();
    await observer?.stop().catch(() => {});
    await target.stop();
  }
}

/**
 * The plan as shards run it: with the embedded hub and a source-address pool, the hub's URL becomes the target so
 * that endpointOf places devices on their source addresses.
 */
function shardPlan(plan: RunPlan, target: Target): RunPlan {
  if (plan.target.kind !== 'embedded' || plan.target.sourceAddresses === undefined) return plan;
  return { ...plan, target: { kind: 'url', url: target.url, sourceAddresses: plan.target.sourceAddresses } };
}

async function startObserver(target: Target, plan: RunPlan, only: readonly string[] | undefined): Promise<ObserverThread> {
  try {
    const urls = target.embedded ? [target.url] : targetEndpoints(plan.target);
    return await ObserverThread.start(urls, plan.fleets, target.observerLogin, only);
  } catch (err) {
    const code = failureCode(err);
    const detail = err instanceof Error ? err.message : String(err);
    throw new FleetsimError('FLEETSIM_E_TARGET', `cannot reach the target ${target.url}: ${code} (${detail})`, {
      hint:
        code === 'ECONNREFUSED'
          ? 'is the broker running on that host and port? Omit --target to use the embedded hub.'
          : 'check the URL, credentials and TLS settings of the target.',
      cause: err,
    });
  }
}

/** The embedded hub's counters at the end of the run; a hub that cannot answer costs a warning, not the run. */
async function hubStatsOf(target: Target, emit: (e: EngineEvent) => void): Promise<HubStats | undefined> {
  if (target.stats === undefined) return undefined;
  try {
    return await target.stats();
  } catch (err) {
    emit({ type: 'warn', message: `the embedded hub did not report its counters: ${err instanceof Error ? err.message : String(err)}` });
    return undefined;
  }
}

function secureOsOf(results: readonly ShardResult[]): SecureOsReport | undefined {
  const parts = results.flatMap((r) => (r.secureOs === undefined ? [] : [r.secureOs]));
  return parts.length === 0 ? undefined : mergeSecureOsReports(parts);
}

function shardResults(settled: PromiseSettledResult<ShardResult>[], emit: (e: EngineEvent) => void): ShardResult[] {
  const out: ShardResult[] = [];
  settled.forEach((s, i) => {
    if (s.status === 'fulfilled') out.push(s.value);
    else {
      const message = s.reason instanceof Error ? s.reason.message : String(s.reason);
      emit({ type: 'warn', message: `shard ${i} crashed: ${message}; its devices' figures are partial` });
    }
  });
  if (out.length === 0 && settled.length > 0) {
    const first = settled[0] as PromiseRejectedResult;
    throw new FleetsimError('FLEETSIM_E_WORKER', `every shard crashed: ${String(first.reason)}`, { cause: first.reason });
  }
  return out;
}

/** Port messages are not ordered against task results: wait until every snapshot a shard sent has arrived. */
async function waitForIntervals(collector: Collector, results: readonly ShardResult[]): Promise<void> {
  for (let waited = 0; waited < 2000; waited += 10) {
    if (results.every((r) => collector.intervalsReceived(r.shard) >= r.intervals)) return;
    await sleep(10);
  }
}

function failingAbortThreshold(plan: RunPlan, collector: Collector, nowMs: number, elapsedMs: number): string | undefined {
  const armed = plan.thresholds.filter((t) => t.abortOnFail && elapsedMs >= t.delayAbortEvalMs);
  if (armed.length === 0) return undefined;
  const summary = summarize(collector.acc.data(), { saturationMs: plan.report.saturationMs, nowMs });
  // A threshold with no data yet is not failing yet: abort only on an observed violation.
  return evaluateThresholds(armed, summary).find((r) => !r.pass && r.observed !== null)?.key;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
