/**
 * File upload state (reference §2.7): initiated uploads per device (at most 10 at once: 403006), their correlation ids,
 * and the service-side file notifications the hub emits when a device reports a successful upload. IoT Hub delivers
 * those notifications over AMQP (`/messages/serviceBound/filenotifications`); fleetsim keeps them here and serves them
 * on its service API (`GET /messages/serviceBound/filenotifications`, see notification-route.ts).
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import { isoMs } from '../iothub/json.js';
import { tooManyUploads } from './telemetry.js';

export const MAX_CONCURRENT_UPLOADS = 10;
/** An initiated upload never notified stops counting against the device after its SAS expires. */
export const UPLOAD_SAS_TTL_MS = 3_600_000;

export interface Upload {
  readonly correlationId: string;
  readonly deviceId: string;
  readonly blobName: string;
  readonly startedMs: number;
  readonly expiresMs: number;
}

/** The service-side notification, shape of IoT Hub's file notification. */
export interface FileNotification {
  readonly deviceId: string;
  readonly blobUri: string;
  readonly blobName: string;
  readonly lastUpdatedTime: string;
  readonly blobSizeInBytes: number;
  readonly enqueuedTimeUtc: string;
}

const MAX_KEPT_NOTIFICATIONS = 10_000;

export class FileUploads {
  private readonly active = new Map<string, Upload>();
  private readonly notifications: FileNotification[] = [];
  private readonly waiters = new Set<() => void>();
  readonly stats = { initiated: 0, notifiedOk: 0, notifiedFailed: 0, refusedTooMany: 0, notificationsDropped: 0 };

  constructor(
    private readonly clock: Clock,
    private readonly maxConcurrent = MAX_CONCURRENT_UPLOADS,
  ) {}

  /** Start an upload: 403006 when the device already has `maxConcurrent` in progress. */
  begin(deviceId: string, blobName: string): Upload {
    const now = this.clock.now();
    let n = 0;
    for (const [id, u] of this.active) {
      if (u.expiresMs <= now) this.active.delete(id);
      else if (u.deviceId === deviceId) n++;
    }
    if (n >= this.maxConcurrent) {
      this.stats.refusedTooMany++;
      throw tooManyUploads(deviceId, this.maxConcurrent);
    }
    const upload = { correlationId: randomBytes(24).toString('base64'), deviceId, blobName, startedMs: now, expiresMs: now + UPLOAD_SAS_TTL_MS };
    this.active.set(upload.correlationId, upload);
    this.stats.initiated++;
    return upload;
  }

  /** The device's upload with this correlation id (it frees the slot), or undefined when unknown or another device's. */
  finish(deviceId: string, correlationId: string, ok: boolean): Upload | undefined {
    const u = this.active.get(correlationId);
    if (u === undefined || u.deviceId !== deviceId) return undefined;
    this.active.delete(correlationId);
    if (ok) this.stats.notifiedOk++;
    else this.stats.notifiedFailed++;
    return u;
  }

  activeCount(deviceId: string): number {
    let n = 0;
    for (const u of this.active.values()) if (u.deviceId === deviceId) n++;
    return n;
  }

  notify(n: Omit<FileNotification, 'enqueuedTimeUtc'>): void {
    if (this.notifications.length >= MAX_KEPT_NOTIFICATIONS) {
      this.notifications.shift();
      this.stats.notificationsDropped++;
    }
    this.notifications.push({ ...n, enqueuedTimeUtc: isoMs(this.clock.now()) });
    for (const w of [...this.waiters]) w();
  }

  /** Take the notifications waiting (oldest first, at most `max`), waiting up to `waitMs` for one when there are none. */
  async take(max: number, waitMs: number, timers: { setTimeout: typeof setTimeout; clearTimeout: typeof clearTimeout }): Promise<FileNotification[]> {
    if (this.notifications.length === 0 && waitMs > 0) {
      await new Promise<void>((resolve) => {
        const done = () => {
          timers.clearTimeout(timer);
          this.waiters.delete(done);
          resolve();
        };
        const timer = timers.setTimeout(done, waitMs);
        this.waiters.add(done);
      });
    }
    return this.notifications.splice(0, max);
  }
}
