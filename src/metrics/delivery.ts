/**
 * Delivery accounting from the observer's side. Per device it keeps the highest sequence seen and the gaps below it,
 * so memory grows with missing messages, not with messages received.
 *
 * - received:   distinct (device, seq) pairs seen.
 * - duplicated: a (device, seq) seen again.
 * - reordered:  a seq lower than the highest already seen from that device (it fills a gap).
 * - lost:       computed at the end against the senders' ledgers: acked sequences never seen.
 */
export type Reception = 'new' | 'reordered' | 'duplicate';

interface DeviceTrack {
  highest: number;
  gaps: Set<number> | undefined;
}

/** Gaps wider than this are not tracked seq by seq (a device restart or a foreign publisher); counted as a jump. */
const MAX_GAP = 100_000;

export class DeliveryTracker {
  private readonly devices = new Map<string, DeviceTrack>();
  received = 0;
  duplicated = 0;
  reordered = 0;

  receive(deviceId: string, seq: number): Reception {
    let t = this.devices.get(deviceId);
    if (t === undefined) {
      t = { highest: 0, gaps: undefined };
      this.devices.set(deviceId, t);
    }
    if (seq > t.highest) {
      if (seq > t.highest + 1 && seq - t.highest <= MAX_GAP) {
        t.gaps ??= new Set();
        for (let s = t.highest + 1; s < seq; s++) t.gaps.add(s);
      }
      t.highest = seq;
      this.received++;
      return 'new';
    }
    if (t.gaps?.delete(seq) === true) {
      this.received++;
      this.reordered++;
      return 'reordered';
    }
    this.duplicated++;
    return 'duplicate';
  }

  /** Acked messages never received: sequences 1…lastSeq, minus the unacked ones, minus those seen. */
  lost(ledger: Iterable<{ deviceId: string; lastSeq: number; unacked: readonly number[] }>): number {
    let lost = 0;
    for (const { deviceId, lastSeq, unacked } of ledger) {
      const t = this.devices.get(deviceId);
      const notAcked = new Set(unacked);
      const highest = Math.min(t?.highest ?? 0, lastSeq);
      for (let s = highest + 1; s <= lastSeq; s++) if (!notAcked.has(s)) lost++;
      if (t?.gaps !== undefined) for (const s of t.gaps) if (s <= lastSeq && !notAcked.has(s)) lost++;
    }
    return lost;
  }
}
