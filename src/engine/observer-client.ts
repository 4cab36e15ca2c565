import { Worker } from 'node:worker_threads';
import { workerFile } from '../core/worker-file.js';
import type { MetricsSnapshot } from '../metrics/snapshot.js';
import type { FleetPlan } from '../scenario/plan.js';
import { TransportError } from '../transports/transport.js';
import type { DeviceLedger } from '../worker/protocol.js';
import type { ObserverCommand, ObserverReply } from './observer-protocol.js';
import type { ObserverLogin } from './target.js';

export interface ObserverFinal {
  readonly snapshot: MetricsSnapshot;
  readonly lost: number;
  readonly malformed: number;
  readonly lostConnection: string | undefined;
}

/** The main thread's handle on the observer thread (see observer-thread.ts). */
export class ObserverThread {
  private readonly worker: Worker;
  private readonly waiting = new Map<ObserverReply['type'], (msg: ObserverReply) => void>();
  private onSnapshot: ((s: MetricsSnapshot) => void) | undefined;

  private constructor(urls: readonly string[], fleets: readonly FleetPlan[], login: ObserverLogin | undefined, only: readonly string[] | undefined) {
    const { filename, env } = workerFile('./observer-thread.js', import.meta.url);
    const workerData = { urls, fleets, login, only };
    this.worker = new Worker(new URL(filename), env === undefined ? { workerData } : { workerData, env });
    this.worker.on('message', (msg: ObserverReply) => {
      if (msg.type === 'snapshot') this.onSnapshot?.(msg.snapshot);
      const waiter = this.waiting.get(msg.type === 'error' ? 'started' : msg.type);
      waiter?.(msg);
    });
    const died = (err?: Error): void => {
      const msg: ObserverReply = { type: 'error', code: 'OBSERVER_EXITED', message: err?.message ?? 'observer thread exited' };
      for (const waiter of [...this.waiting.values()]) waiter(msg);
    };
    this.worker.on('error', died);
    this.worker.on('exit', () => died());
  }

  /**
   * Subscribes on every URL (the run's endpoints); `only`: count these devices' telemetry only (a --shard run).
   * Resolves once subscribed; rejects with a TransportError whose code says why the target could not be reached.
   */
  static async start(urls: readonly string[], fleets: readonly FleetPlan[], login?: ObserverLogin, only?: readonly string[]): Promise<ObserverThread> {
    const t = new ObserverThread(urls, fleets, login, only);
    const msg = await t.next('started');
    if (msg.type === 'error') {
      await t.worker.terminate();
      throw new TransportError(msg.code, msg.message);
    }
    return t;
  }

  /** Ask for the interval's snapshot; `handler` receives it when it arrives. */
  requestSnapshot(handler: (s: MetricsSnapshot) => void): void {
    this.onSnapshot = handler;
    this.send({ type: 'snapshot' });
  }

  async finish(acked: number, ledgers: DeviceLedger[]): Promise<ObserverFinal> {
    this.onSnapshot = undefined;
    const reply = this.next('final');
    this.send({ type: 'finish', acked, ledgers });
    const msg = await reply;
    if (msg.type === 'error') throw new Error(`observer: ${msg.message}`);
    if (msg.type !== 'final') throw new Error(`observer: unexpected ${msg.type}`);
    return msg;
  }

  async stop(): Promise<void> {
    const stopped = this.next('stopped');
    this.send({ type: 'stop' });
    await Promise.race([stopped, new Promise((r) => setTimeout(r, 2000))]);
    await this.worker.terminate();
  }

  private send(cmd: ObserverCommand): void {
    this.worker.postMessage(cmd);
  }

  private next(type: ObserverReply['type']): Promise<ObserverReply> {
    return new Promise((resolve) => {
      this.waiting.set(type, (msg) => {
        this.waiting.delete(type);
        resolve(msg);
      });
    });
  }
}
