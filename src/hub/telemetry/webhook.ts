/**
 * The telemetry stream as webhook calls: batches of TelemetryRecords POSTed as a JSON array
 * (`content-type: application/json`) to a URL. A bounded queue absorbs bursts; a failed POST (network error or a
 * non-2xx answer) is retried with exponential backoff; what cannot be queued or delivered is dropped and counted,
 * never silently lost.
 */
import type { WebhookStats } from '../../metrics/hub-report.js';
import type { TelemetryRecord } from './record.js';

export interface WebhookOptions {
  readonly url: string;
  /** Records held at most; beyond, new records are dropped (default 10,000). */
  readonly maxQueue?: number;
  /** Records per POST at most (default 100). */
  readonly maxBatch?: number;
  /** Attempts per batch, the first included (default 5). */
  readonly attempts?: number;
  /** Backoff before the first retry, doubled each time (default 200 ms). */
  readonly backoffMs?: number;
  /** Per-request timeout (default 10 s). */
  readonly timeoutMs?: number;
}

export class WebhookSink {
  private readonly queue: TelemetryRecord[] = [];
  private running: Promise<void> | undefined;
  private closing = false;
  private stats = { delivered: 0, batches: 0, retries: 0, queueFull: 0, failed: 0, lastError: undefined as string | undefined };

  constructor(private readonly o: WebhookOptions) {}

  write(r: TelemetryRecord): void {
    if (this.queue.length >= (this.o.maxQueue ?? 10_000) || this.closing) {
      this.stats.queueFull++;
      return;
    }
    this.queue.push(r);
    this.running ??= this.pump().finally(() => {
      this.running = undefined;
    });
  }

  snapshot(): WebhookStats {
    const s = this.stats;
    return { url: this.o.url, delivered: s.delivered, batches: s.batches, retries: s.retries, dropped: { queueFull: s.queueFull, failed: s.failed }, lastError: s.lastError };
  }

  /** Deliver what is queued (bounded by `timeoutMs`); what is still queued then counts as failed. */
  async close(timeoutMs = 5000): Promise<void> {
    this.closing = true;
    if (this.running !== undefined) await Promise.race([this.running, sleep(timeoutMs)]);
    this.stats.failed += this.queue.length;
    this.queue.length = 0;
  }

  private async pump(): Promise<void> {
    while (this.queue.length > 0) {
      await sleep(0); // let a burst gather into one batch
      const batch = this.queue.splice(0, this.o.maxBatch ?? 100);
      if (await this.post(batch)) {
        this.stats.delivered += batch.length;
        this.stats.batches++;
      } else this.stats.failed += batch.length;
    }
  }

  private async post(batch: readonly TelemetryRecord[]): Promise<boolean> {
    const attempts = this.o.attempts ?? 5;
    const body = JSON.stringify(batch);
    for (let i = 0; i < attempts; i++) {
      if (i > 0) {
        this.stats.retries++;
        await sleep((this.o.backoffMs ?? 200) * 2 ** (i - 1));
      }
      try {
        const res = await fetch(this.o.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) return true;
        this.stats.lastError = `HTTP ${res.status}`;
      } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause;
        this.stats.lastError = cause?.code ?? (err instanceof Error ? err.message : String(err));
      }
    }
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
