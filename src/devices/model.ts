import type { Rng } from '../core/rng.js';
import type { ZodType } from '../core/zod.js';

/** One reading per channel, e.g. { temperature: 21.4, humidity: 41.2, heating: true }. */
export type Readings = Record<string, number | string | boolean>;

export interface DeviceContext<P> {
  readonly deviceId: string;
  readonly fleetId: string;
  /** Index within the fleet (0-based). */
  readonly index: number;
  readonly params: P;
  /** The device's own model stream; the scheduler uses a separate one, so timing never changes values. */
  readonly rng: Rng;
}

/**
 * A device model: pure behaviour over simulated time. No sockets, no timers, no wall clock: the runtime calls
 * step() with the time elapsed since the last call and read() when the device samples its sensors.
 * step() may mutate the state in place and return it (the hot path avoids allocating per step).
 */
export interface DeviceModel<P = unknown, S = unknown> {
  readonly name: string;
  readonly description: string;
  /** Validates and defaults the scenario's `params`; its descriptions document each parameter and unit. */
  readonly params: ZodType<P>;
  init(ctx: DeviceContext<P>): S;
  step(state: S, dtMs: number, rng: Rng): S;
  read(state: S): Readings;
}

/** Erase a model's type parameters for the registry (params are validated at compile time). */
export type AnyDeviceModel = DeviceModel<any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
