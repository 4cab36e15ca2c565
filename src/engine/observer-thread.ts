import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../core/clock.js';
import { failureCode } from '../core/errors.js';
import type { FleetPlan } from '../scenario/plan.js';
import type { DeviceLedger } from '../worker/protocol.js';
import { Observer } from './observer.js';
import type { ObserverCommand, ObserverReply } from './observer-protocol.js';
import type { ObserverLogin } from './target.js';

/**
 * Worker-thread entry of the run observer. It has a thread of its own so that nothing the main thread does (merging
 * snapshots, evaluating thresholds, rendering) delays the receive timestamps that end-to-end latency is measured from.
 */
const port = parentPort;
if (port === null) throw new Error('observer-thread must run in a worker thread');
const { urls, fleets, login, only } = workerData as { urls: string[]; fleets: FleetPlan[]; login: ObserverLogin | undefined; only: string[] | undefined };
const observer = new Observer(systemClock, only === undefined ? undefined : new Set(only));
const reply = (msg: ObserverReply): void => port.postMessage(msg);

observer.start(urls, fleets, login).then(
  () => reply({ type: 'started' }),
  (err: unknown) => reply({ type: 'error', code: failureCode(err), message: err instanceof Error ? err.message : String(err) }),
);

port.on('message', (cmd: ObserverCommand) => {
  if (cmd.type === 'snapshot') reply({ type: 'snapshot', snapshot: observer.snapshot() });
  else if (cmd.type === 'finish') void finish(cmd.acked, cmd.ledgers);
  else void observer.stop().then(() => reply({ type: 'stopped' }));
});

/**
 * Let stragglers arrive: until as many messages as were acked are seen, or none arrives for 2 s (at most 10 s): a
 * loaded machine can pause deliveries for a while, and giving up early would report them as lost.
 */
async function finish(acked: number, ledgers: DeviceLedger[]): Promise<void> {
  const start = systemClock.now();
  let last = -1;
  let quietSince = start;
  while (observer.received < acked && systemClock.now() - start < 10_000 && observer.lostConnection === undefined) {
    const now = systemClock.now();
    if (observer.received !== last) {
      last = observer.received;
      quietSince = now;
    } else if (now - quietSince > 2000) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  reply({
    type: 'final',
    snapshot: observer.snapshot(),
    lost: observer.lost(ledgers),
    malformed: observer.malformed,
    lostConnection: observer.lostConnection,
  });
}
