/**
 * Main-thread accumulation of worker snapshots into per-phase totals (counters, errors, merged histograms, gauges)
 * plus a small live window for the progress line. Sources are shards/workers (any string id); each sends a
 * MetricsSnapshot about once a second, tagged with the phase it was recorded in.
 */
import { systemClock, type Clock } from '../core/clock.js';
import {
  addHistogram,
  createHistogram,
  decodeHistogram,
  resetHistogram,
  valueAtPercentile,
  type Histogram,
} from './hdr.js';
import { addCounts, emptyPhaseData, sampleGauge, type PhaseData, type PhaseInfo, type RunData } from './run-data.js';
import type { MetricsSnapshot } from './snapshot.js';

/**
 * What the progress line shows. Formulas (window = the last liveWindowMs, 5 s by default, of received snapshots):
 *  - connected, inflight: devices.connected and telemetry.inflight summed over sources, each source's latest value;
 *  - sentPerS, ackedPerS: Σ over sources of (that source's count in the window ÷ the time its window snapshots cover),
 *    a snapshot covering the time since the previous snapshot of the same source (or since the accumulator started);
 *  - p99LatencyMicros: p99 of telemetry.latency over snapshots received in the last ~5 whole seconds, null if none;
 *  - errorsTotal: all failures counted since the start; elapsedMs: now − start.
 */
export interface LiveView {
  readonly phase: string | null;
  readonly connected: number;
  readonly inflight: number;
  readonly sentPerS: number;
  readonly ackedPerS: number;
  readonly p99LatencyMicros: number | null;
  readonly errorsTotal: number;
  readonly elapsedMs: number;
}

export interface AccumulatorOptions {
  /** Time source for the live window (receive times) and elapsedMs; defaults to the system clock. */
  readonly clock?: Clock;
  /** Width of the live window; default 5000 ms. */
  readonly liveWindowMs?: number;
  /** Wall time the run started; defaults to clock.now() at construction. */
  readonly startWallMs?: number;
}

interface LiveEntry {
  readonly atMs: number;
  readonly source: string;
  readonly coveredMs: number;
  readonly sent: number;
  readonly acked: number;
}

interface LatencyBucket {
  second: number;
  readonly histogram: Histogram;
}

export class RunAccumulator {
  private readonly phaseList: PhaseData[];
  private readonly byName = new Map<string, PhaseData>();
  private readonly runCounters: Record<string, number> = {};
  /** Latest gauge value per source and gauge, and their running sums across sources. */
  private readonly gaugeBySource = new Map<string, Map<string, number>>();
  private readonly gaugeSums = new Map<string, number>();
  private readonly clock: Clock;
  private readonly windowMs: number;
  private readonly startWallMs: number;
  private currentPhase: string | null = null;
  private errorsTotal = 0;
  private readonly entries: LiveEntry[] = [];
  private readonly lastSeen = new Map<string, number>();
  private readonly buckets: LatencyBucket[] = [];
  private readonly scratch = createHistogram();

  constructor(phases: readonly PhaseInfo[], options: AccumulatorOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.windowMs = options.liveWindowMs ?? 5000;
    this.startWallMs = options.startWallMs ?? this.clock.now();
    this.phaseList = phases.map((p) => emptyPhaseData(p.name, p.kind, p.startMs, p.durationMs));
    for (const p of this.phaseList) this.byName.set(p.name, p);
    const bucketCount = Math.max(1, Math.ceil(this.windowMs / 1000)) + 1;
    for (let i = 0; i < bucketCount; i++) this.buckets.push({ second: -1, histogram: createHistogram() });
  }

  /** Adds one interval snapshot of `source`, recorded during `phase`, into that phase's totals and the live window. */
  add(source: string, phase: string, snap: MetricsSnapshot): void {
    const data = this.byName.get(phase);
    if (data === undefined) {
      throw new Error(`snapshot for unknown phase "${phase}" (phases: ${[...this.byName.keys()].join(', ')})`);
    }
    const now = this.clock.now();
    addCounts(data.counters, snap.counters);
    addCounts(data.errors, snap.errors);
    for (const count of Object.values(snap.errors)) this.errorsTotal += count;
    for (const [name, encoded] of Object.entries(snap.histograms)) {
      const histogram = decodeHistogram(encoded);
      const total = data.histograms.get(name);
      if (total === undefined) data.histograms.set(name, histogram);
      else addHistogram(total, histogram);
      if (name === 'telemetry.latency') addHistogram(this.bucketFor(now), histogram);
    }
    this.updateGauges(source, snap.gauges);
    for (const [name, sum] of this.gaugeSums) data.gauges[name] = sampleGauge(data.gauges[name], sum);
    this.currentPhase = phase;

    const previous = this.lastSeen.get(source) ?? this.startWallMs;
    this.lastSeen.set(source, now);
    this.entries.push({
      atMs: now,
      source,
      coveredMs: Math.max(0, now - previous),
      sent: snap.counters['telemetry.sent'] ?? 0,
      acked: snap.counters['telemetry.acked'] ?? 0,
    });
    this.prune(now);
  }

  /** Adds counters that exist only for the whole run (delivery.lost is computed at the end). */
  addRunTotal(counters: Readonly<Record<string, number>>): void {
    addCounts(this.runCounters, counters);
  }

  /**
   * Records a phase's actual wall-clock timing. Call with the start when the phase begins (it becomes the current
   * phase) and again with both times when it ends.
   */
  markPhase(name: string, actualStartWallMs: number, actualEndWallMs?: number): void {
    const data = this.byName.get(name);
    if (data === undefined) throw new Error(`markPhase: unknown phase "${name}"`);
    data.startWallMs = actualStartWallMs;
    if (actualEndWallMs === undefined) this.currentPhase = name;
    else data.endWallMs = actualEndWallMs;
  }

  /** Current sum across sources of a gauge's latest values (0 if never reported). */
  gaugeSum(name: string): number {
    return this.gaugeSums.get(name) ?? 0;
  }

  /** The accumulated data, by reference (no copy): read it, do not mutate it. */
  data(): RunData {
    return { phases: this.phaseList, runCounters: this.runCounters, finalGauges: Object.fromEntries(this.gaugeSums) };
  }

  /** The live progress figures; see LiveView for the formulas. */
  live(): LiveView {
    const now = this.clock.now();
    this.prune(now);
    const perSource = new Map<string, { covered: number; sent: number; acked: number }>();
    for (const e of this.entries) {
      const agg = perSource.get(e.source) ?? { covered: 0, sent: 0, acked: 0 };
      agg.covered += e.coveredMs;
      agg.sent += e.sent;
      agg.acked += e.acked;
      perSource.set(e.source, agg);
    }
    let sentPerS = 0;
    let ackedPerS = 0;
    for (const agg of perSource.values()) {
      if (agg.covered <= 0) continue;
      sentPerS += (agg.sent * 1000) / agg.covered;
      ackedPerS += (agg.acked * 1000) / agg.covered;
    }
    resetHistogram(this.scratch);
    const newest = Math.floor(now / 1000);
    const oldest = newest - this.buckets.length + 2;
    for (const b of this.buckets) if (b.second >= oldest && b.second <= newest) addHistogram(this.scratch, b.histogram);
    return {
      phase: this.currentPhase,
      connected: this.gaugeSum('devices.connected'),
      inflight: this.gaugeSum('telemetry.inflight'),
      sentPerS,
      ackedPerS,
      p99LatencyMicros: valueAtPercentile(this.scratch, 99),
      errorsTotal: this.errorsTotal,
      elapsedMs: Math.max(0, now - this.startWallMs),
    };
  }

  private updateGauges(source: string, gauges: Readonly<Record<string, number>>): void {
    let latest = this.gaugeBySource.get(source);
    if (latest === undefined) {
      latest = new Map();
      this.gaugeBySource.set(source, latest);
    }
    for (const [name, value] of Object.entries(gauges)) {
      const before = latest.get(name) ?? 0;
      latest.set(name, value);
      this.gaugeSums.set(name, (this.gaugeSums.get(name) ?? 0) + value - before);
    }
  }

  /** The latency bucket of the second `now` falls in, recycled (reset) when it last held an older second. */
  private bucketFor(now: number): Histogram {
    const second = Math.floor(now / 1000);
    const bucket = this.buckets[second % this.buckets.length] as LatencyBucket;
    if (bucket.second !== second) {
      resetHistogram(bucket.histogram);
      bucket.second = second;
    }
    return bucket.histogram;
  }

  private prune(now: number): void {
    let drop = 0;
    while (drop < this.entries.length && (this.entries[drop] as LiveEntry).atMs <= now - this.windowMs) drop++;
    if (drop > 0) this.entries.splice(0, drop);
  }
}
