import type { MetricsSnapshot } from '../metrics/snapshot.js';
import type { DeviceLedger } from '../worker/protocol.js';

/** Main thread → observer thread. */
export type ObserverCommand =
  | { readonly type: 'snapshot' }
  | { readonly type: 'finish'; readonly acked: number; readonly ledgers: DeviceLedger[] }
  | { readonly type: 'stop' };

/** Observer thread → main thread. */
export type ObserverReply =
  | { readonly type: 'started' }
  | { readonly type: 'error'; readonly code: string; readonly message: string }
  | { readonly type: 'snapshot'; readonly snapshot: MetricsSnapshot }
  | {
      readonly type: 'final';
      readonly snapshot: MetricsSnapshot;
      readonly lost: number;
      readonly malformed: number;
      /** Set when the observer's own connection dropped: delivery counts are then incomplete. */
      readonly lostConnection: string | undefined;
    }
  | { readonly type: 'stopped' };
