/**
 * Single-use nonces with a lifetime: issued per device id, taken once. Expired nonces are remembered for one more
 * lifetime (so a late answer is told NONCE_EXPIRED, not NONCE_UNKNOWN), then forgotten; memory stays bounded by the
 * challenge rate × 2 lifetimes.
 */
import type { Rng } from '../core/rng.js';

interface Issued {
  readonly deviceId: string;
  readonly expiresAtMs: number;
}

export type NonceCheck = 'ok' | 'unknown' | 'expired';

export class NonceStore {
  private readonly live = new Map<string, Issued>();
  /** Issue order (expiry is monotonic for a constant lifetime): the sweep pops from the front. */
  private order: string[] = [];
  private head = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly rng: Rng,
  ) {}

  /** 16 random bytes from the injected RNG, base64url. */
  issue(deviceId: string, nowMs: number): { nonce: string; expiresAtMs: number } {
    this.sweep(nowMs);
    const b = Buffer.alloc(16);
    for (let i = 0; i < 16; i += 4) b.writeUInt32BE(this.rng.int(0x1_0000_0000), i);
    const nonce = b.toString('base64url');
    const expiresAtMs = nowMs + this.ttlMs;
    this.live.set(nonce, { deviceId, expiresAtMs });
    this.order.push(nonce);
    return { nonce, expiresAtMs };
  }

  /** Consume `nonce` for `deviceId`: it can never be used again, whatever the answer. */
  take(nonce: string, deviceId: string, nowMs: number): NonceCheck {
    const issued = this.live.get(nonce);
    if (issued === undefined || issued.deviceId !== deviceId) return 'unknown';
    this.live.delete(nonce);
    return nowMs > issued.expiresAtMs ? 'expired' : 'ok';
  }

  get size(): number {
    return this.live.size;
  }

  private sweep(nowMs: number): void {
    while (this.head < this.order.length) {
      const n = this.order[this.head] as string;
      const issued = this.live.get(n);
      if (issued !== undefined && nowMs <= issued.expiresAtMs + this.ttlMs) break;
      this.live.delete(n);
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
  }
}
