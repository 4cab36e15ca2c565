import type { Clock } from '../../core/clock.js';
import { IotHubError, IotHubErrorCode } from './errors.js';
import type { ConnectionState } from './registry.js';
import type { TimerHandle, Timers } from './timers.js';

/** One live device connection. */
export interface ConnectionInfo {
  /** Identity key: the device id (modules: `deviceId/moduleId`, see identityKey). */
  readonly id: string;
  /** The transport's id for this socket/client (so a stale close cannot remove a newer connection). */
  readonly connectionId: string;
  readonly authType: 'sas' | 'x509';
  readonly connectedMs: number;
  lastActivityMs: number;
  /** SAS `se` in epoch ms; the hub cuts the connection then. */
  sasExpiryMs: number | undefined;
}

/** Why a connection left the table. */
export type DropReason = 'replaced' | 'sasExpired' | 'closed';

/** A connection the transport must close, with the IoT Hub code to log. */
export interface KickedConnection {
  connection: ConnectionInfo;
  reason: DropReason;
  errorCode: number;
}

export interface ConnectionTableOptions {
  clock: Clock;
  /** With `onKick`: schedule SAS expiry cuts. Without: poll `expiringBefore`. */
  timers?: Timers;
  /** A connection the hub itself ended (SAS expired): close its socket. Not called for `replaced` (returned by connect). */
  onKick?: (kicked: KickedConnection) => void;
  /** Connected/Disconnected transitions of an id (feed DeviceRegistry.setConnectionState). */
  onStateChange?: (id: string, state: ConnectionState, atMs: number) => void;
  /** Activity (feed DeviceRegistry.touch). */
  onActivity?: (id: string, atMs: number) => void;
}

/** Counters for the run report. */
export interface ConnectionStats {
  connects: number;
  replaced: number;
  sasExpired: number;
  closed: number;
}

/**
 * One connection per device id: a new CONNECT replaces the old one (returned for the transport to close, 400027),
 * connection state and activity go to the registry through callbacks, and SAS expiry is enforced per connection
 * (timers when injected, else `expiringBefore`).
 */
export class ConnectionTable {
  private readonly o: ConnectionTableOptions;
  private readonly byId = new Map<string, ConnectionInfo>();
  private readonly expiryTimers = new Map<string, TimerHandle>();
  readonly stats: ConnectionStats = { connects: 0, replaced: 0, sasExpired: 0, closed: 0 };

  constructor(options: ConnectionTableOptions) {
    this.o = options;
  }

  /**
   * Register an authenticated connection. 401002 if the SAS has already expired. Returns the connection it replaced,
   * if any: the transport must close that one (IoT Hub logs 400027 ConnectionForcefullyClosedOnNewConnection).
   */
  connect(
    id: string,
    connectionId: string,
    auth: { authType: 'sas' | 'x509'; sasExpiryMs?: number },
  ): { connection: ConnectionInfo; replaced?: KickedConnection } {
    const now = this.o.clock.now();
    if (auth.sasExpiryMs !== undefined && auth.sasExpiryMs <= now) {
      throw new IotHubError('IotHubUnauthorizedAccess', `SAS token of ${id} expired at ${new Date(auth.sasExpiryMs).toISOString()}`);
    }
    const old = this.byId.get(id);
    this.clearTimer(id);
    const conn: ConnectionInfo = {
      id,
      connectionId,
      authType: auth.authType,
      connectedMs: now,
      lastActivityMs: now,
      sasExpiryMs: auth.sasExpiryMs,
    };
    this.byId.set(id, conn);
    this.stats.connects++;
    this.schedule(conn);
    this.o.onActivity?.(id, now);
    if (old === undefined) {
      this.o.onStateChange?.(id, 'Connected', now);
      return { connection: conn };
    }
    this.stats.replaced++;
    return {
      connection: conn,
      replaced: { connection: old, reason: 'replaced', errorCode: IotHubErrorCode.ConnectionForcefullyClosedOnNewConnection },
    };
  }

  /** The transport saw a close. Removes the entry only if `connectionId` is still the current one; returns whether it did. */
  disconnect(id: string, connectionId: string): boolean {
    const cur = this.byId.get(id);
    if (cur === undefined || cur.connectionId !== connectionId) return false;
    this.remove(cur);
    this.stats.closed++;
    return true;
  }

  /** Traffic on a connection (any packet): updates lastActivityTime. Ignored for stale connection ids. */
  activity(id: string, connectionId?: string): void {
    const cur = this.byId.get(id);
    if (cur === undefined || (connectionId !== undefined && cur.connectionId !== connectionId)) return;
    const now = this.o.clock.now();
    cur.lastActivityMs = now;
    this.o.onActivity?.(id, now);
  }

  /** The current connection of an id. */
  get(id: string): ConnectionInfo | undefined {
    return this.byId.get(id);
  }

  /** True if the id has a live connection. */
  isConnected(id: string): boolean {
    return this.byId.has(id);
  }

  /** True if `connectionId` is the id's current connection. */
  isCurrent(id: string, connectionId: string): boolean {
    return this.byId.get(id)?.connectionId === connectionId;
  }

  /** Live connections. */
  get size(): number {
    return this.byId.size;
  }

  /** Connections whose SAS expires at or before `nowMs`, earliest first (for polling without timers). */
  expiringBefore(nowMs: number): ConnectionInfo[] {
    const out: ConnectionInfo[] = [];
    for (const c of this.byId.values()) if (c.sasExpiryMs !== undefined && c.sasExpiryMs <= nowMs) out.push(c);
    return out.sort((a, b) => (a.sasExpiryMs ?? 0) - (b.sasExpiryMs ?? 0));
  }

  /** Cut every connection whose SAS has expired by now: removed and reported to onKick; returns them. */
  expireNow(): KickedConnection[] {
    return this.expiringBefore(this.o.clock.now()).map((c) => this.expire(c));
  }

  private expire(conn: ConnectionInfo): KickedConnection {
    this.remove(conn);
    this.stats.sasExpired++;
    const kicked: KickedConnection = {
      connection: conn,
      reason: 'sasExpired',
      errorCode: IotHubErrorCode.IotHubUnauthorizedAccess,
    };
    this.o.onKick?.(kicked);
    return kicked;
  }

  private remove(conn: ConnectionInfo): void {
    this.byId.delete(conn.id);
    this.clearTimer(conn.id);
    this.o.onStateChange?.(conn.id, 'Disconnected', this.o.clock.now());
  }

  private schedule(conn: ConnectionInfo): void {
    const timers = this.o.timers;
    if (timers === undefined || this.o.onKick === undefined || conn.sasExpiryMs === undefined) return;
    const handle = timers.setTimeout(() => {
      this.expiryTimers.delete(conn.id);
      if (this.byId.get(conn.id) === conn) this.expire(conn);
    }, conn.sasExpiryMs - this.o.clock.now());
    this.expiryTimers.set(conn.id, handle);
  }

  private clearTimer(id: string): void {
    const h = this.expiryTimers.get(id);
    if (h !== undefined) {
      this.o.timers?.clearTimeout(h);
      this.expiryTimers.delete(id);
    }
  }
}
