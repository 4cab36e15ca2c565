import type { Rng } from '../core/rng.js';
import type { ZodType } from '../core/zod.js';

/** One reading per channel, e.g. { temperature: 21.4, humidity: 41.2, heating: true }; null = a sensor dropout. */
export type Readings = Record<string, number | string | boolean | null>;

export interface DeviceContext<P> {
  readonly deviceId: string;
  readonly fleetId: string;
  /** Index within the fleet (0-based). */
  readonly index: number;
  readonly params: P;
  /** The device's own model stream; the scheduler uses a separate one, so timing never changes values. */
  readonly rng: Rng;
}

/** A command from the cloud, whatever carried it (direct method, C2D message, desired twin property). */
export interface DeviceCommand {
  readonly name: string;
  readonly payload: unknown;
}

export interface CommandResult {
  /** HTTP-like status: 200 done, 400 bad payload, 404 unknown command. */
  readonly status: number;
  readonly payload?: unknown;
}

export interface ChannelInfo {
  /** The unit; 'flag' and 'on/off' mark boolean channels. */
  readonly unit: string;
  readonly description: string;
}

/** Whether a channel reports numbers (sensor realism applies to those only). */
export function isNumericChannel(info: ChannelInfo | undefined): boolean {
  return info !== undefined && info.unit !== 'flag' && info.unit !== 'on/off' && info.unit !== 'text';
}

/**
 * A device model: pure behaviour over model time. No sockets, no timers, no wall clock: the runtime calls step() with
 * the model time now (epoch ms, see RunPlan.startTimeMs) and the time elapsed since the last call, and read() when
 * the device samples its sensors. step() may mutate the state in place and return it (the hot path avoids
 * allocating per step).
 */
export interface DeviceModel<P = unknown, S = unknown> {
  readonly name: string;
  readonly description: string;
  /** Validates and defaults the scenario's `params`; its descriptions document each parameter and unit. */
  readonly params: ZodType<P>;
  /** The channels read() reports, with units: for `fleetsim models`, docs and chart axes. */
  readonly channels: Readonly<Record<string, ChannelInfo>>;
  init(ctx: DeviceContext<P>): S;
  step(state: S, nowMs: number, dtMs: number, rng: Rng): S;
  read(state: S): Readings;
  /**
   * True once the device can no longer run (its battery is exhausted): the runtime then stops it for good: it sends
   * nothing more, closes its connection, and is counted in device.dead. Models without it never die.
   */
  dead?(state: S): boolean;
  /** React to a command; models without it answer 404 to every command. */
  onCommand?(state: S, command: DeviceCommand): CommandResult;
}

/** Erase a model's type parameters for the registry (params are validated at compile time). */
export type AnyDeviceModel = DeviceModel<any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
