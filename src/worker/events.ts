import type { FileUploadPhasePlan, PhasePlan } from '../scenario/plan.js';
import type { DeviceRuntime } from './device.js';

/** A device's telemetry schedule: one such event per device, filed again for each next reading. */
export interface SendEvent {
  readonly kind: 'send';
  readonly device: DeviceRuntime;
}

/**
 * The events on a shard's timeline (its one scheduler). connect and drop carry the device's connection generation
 * when scheduled: a stale one (the device moved on) drops out.
 */
export type ShardEvent =
  | { readonly kind: 'connect'; readonly device: DeviceRuntime; readonly gen: number }
  | SendEvent
  | { readonly kind: 'drop'; readonly device: DeviceRuntime; readonly gen: number }
  | { readonly kind: 'reboot'; readonly device: DeviceRuntime; readonly watchdog: boolean }
  | { readonly kind: 'phase'; readonly phase: PhasePlan }
  | { readonly kind: 'upload'; readonly device: DeviceRuntime; readonly phase: FileUploadPhasePlan }
  | { readonly kind: 'task'; readonly run: () => void }
  | { readonly kind: 'interval' }
  | { readonly kind: 'probe' }
  | { readonly kind: 'drain-check'; readonly deadline: number };
