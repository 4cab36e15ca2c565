import type { MessagePort } from 'node:worker_threads';
import type { MetricsSnapshot } from '../metrics/snapshot.js';
import type { SecureOsReport } from '../metrics/secure-os-report.js';
import type { RunPlan } from '../scenario/plan.js';
import type { ShardRange } from '../scenario/shard.js';

/** The piscina task: one long-running task per shard. `port` carries live messages both ways. */
export interface ShardTask {
  readonly plan: RunPlan;
  readonly shard: ShardRange;
  /** Broker URL the devices connect to (the embedded hub's, or the scenario's target). */
  readonly url: string;
  /** The hub's HTTPS device endpoints when fleetsim knows them (the embedded hub's), for https devices and file uploads. */
  readonly httpUrl: string | undefined;
  readonly port: MessagePort;
}

export type WorkerMessage =
  | { readonly type: 'ready'; readonly shard: number }
  | {
      readonly type: 'interval';
      readonly shard: number;
      /** 1, 2, 3… per shard; the result says how many were sent so none is missed. */
      readonly seq: number;
      readonly phase: string;
      readonly snapshot: MetricsSnapshot;
    }
  | { readonly type: 'phase'; readonly shard: number; readonly phase: string; readonly atMs: number }
  | { readonly type: 'log'; readonly shard: number; readonly level: 'warn' | 'error'; readonly message: string };

export type MainMessage =
  | { readonly type: 'start'; readonly t0: number }
  | { readonly type: 'stop'; readonly reason: string };

/** Per device, what the observer needs to count losses: sequences 1…lastSeq were sent, `unacked` were not acked. */
export interface DeviceLedger {
  readonly deviceId: string;
  readonly lastSeq: number;
  readonly unacked: readonly number[];
}

export interface ShardResult {
  readonly shard: number;
  /** How many interval messages the shard posted (the main thread waits for all of them). */
  readonly intervals: number;
  readonly ledger: readonly DeviceLedger[];
  /** The shard's Secure OS tally (secure-OS fleets only). */
  readonly secureOs?: SecureOsReport;
}
