/**
 * Telemetry publishes awaiting their ack, one slot each: the device, its sequence number, its intended and actual send
 * times. The slot number is the `ref` the publish carries through the transport and back to one shared callback, so
 * the hot path makes no closure per publish (parallel arrays and a free list: no object per publish either).
 */
export class PendingPublishes<D extends object> {
  private readonly devices: Array<D | undefined> = [];
  private readonly seqs: number[] = [];
  private readonly intended: number[] = [];
  private readonly sent: number[] = [];
  private readonly free: number[] = [];

  /** The slot of a new publish (its ref). */
  add(device: D, seq: number, intendedAt: number, sentAt: number): number {
    const slot = this.free.pop() ?? this.devices.length;
    this.devices[slot] = device;
    this.seqs[slot] = seq;
    this.intended[slot] = intendedAt;
    this.sent[slot] = sentAt;
    return slot;
  }

  /** The device of a slot in use; undefined for a free slot (a second settle of the same publish). */
  device(slot: number): D | undefined {
    return this.devices[slot];
  }

  seq(slot: number): number {
    return this.seqs[slot] as number;
  }

  intendedAt(slot: number): number {
    return this.intended[slot] as number;
  }

  sentAt(slot: number): number {
    return this.sent[slot] as number;
  }

  /** Free a settled publish's slot for reuse. */
  release(slot: number): void {
    if (this.devices[slot] === undefined) return;
    this.devices[slot] = undefined;
    this.free.push(slot);
  }
}
