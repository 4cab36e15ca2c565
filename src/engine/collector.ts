import type { Clock } from '../core/clock.js';
import { RunAccumulator } from '../metrics/accumulator.js';
import type { RunPlan } from '../scenario/plan.js';
import type { WorkerMessage } from '../worker/protocol.js';

export type EngineEvent =
  | { readonly type: 'phase'; readonly name: string; readonly index: number }
  | { readonly type: 'warn'; readonly message: string };

/**
 * Main-thread side of the worker messages: adds interval snapshots into the accumulator, tracks which phase the run is
 * in (the first shard to enter a phase marks its start), and counts snapshots so none is lost at the end.
 */
export class Collector {
  readonly acc: RunAccumulator;
  private readonly received = new Map<number, number>();
  private readonly phaseStarts = new Map<string, number>();
  private current: { name: string; index: number } | undefined;

  constructor(
    private readonly plan: RunPlan,
    private readonly clock: Clock,
    private readonly emit: (e: EngineEvent) => void,
  ) {
    this.acc = new RunAccumulator(
      plan.phases.map((p) => ({ name: p.name, kind: p.kind, startMs: p.startMs, durationMs: p.durationMs })),
      { clock },
    );
  }

  get phase(): { name: string; index: number } | undefined {
    return this.current;
  }

  onMessage(msg: WorkerMessage): void {
    switch (msg.type) {
      case 'interval':
        this.acc.add(`shard-${msg.shard}`, msg.phase, msg.snapshot);
        this.received.set(msg.shard, (this.received.get(msg.shard) ?? 0) + 1);
        return;
      case 'phase':
        this.enterPhase(msg.phase, msg.atMs);
        return;
      case 'log':
        this.emit({ type: 'warn', message: `shard ${msg.shard}: ${msg.message}` });
        return;
      case 'ready':
        return;
    }
  }

  intervalsReceived(shard: number): number {
    return this.received.get(shard) ?? 0;
  }

  /** Close the timing of the phase that was running when the run ended. */
  end(): void {
    if (this.current !== undefined) this.closePhase(this.current.name, this.clock.now());
  }

  private enterPhase(name: string, atMs: number): void {
    if (this.phaseStarts.has(name)) return;
    const index = this.plan.phases.findIndex((p) => p.name === name);
    if (this.current !== undefined) this.closePhase(this.current.name, atMs);
    this.phaseStarts.set(name, atMs);
    this.acc.markPhase(name, atMs);
    this.current = { name, index };
    this.emit({ type: 'phase', name, index });
  }

  private closePhase(name: string, atMs: number): void {
    const start = this.phaseStarts.get(name);
    if (start !== undefined) this.acc.markPhase(name, start, atMs);
  }
}
