/** What a block kind declares: params, inputs, outputs, and how to init and step its physics. */
import type { Rng } from '../../core/rng.js';
import type { InputSpec, ParamProblem, ParamSpec } from './params.js';

/** A composed device's state as the blocks see it: their states in order and the step being taken. */
export interface Device {
  /** Each block's state, in block order. */
  readonly blocks: unknown[];
  /** The step being taken (0 during init). */
  dtMs: number;
}

/** A resolved input: a constant, an earlier block's output, or a duty-cycle current; read once per step. */
export type Input = (dev: Device) => number;

export interface OutputSpec<S> {
  /** The unit; null for signal blocks, whose unit is the block's `unit:` key. */
  readonly unit: string | null;
  readonly type: 'number' | 'boolean';
  readonly description: string;
  get(s: S): number | boolean;
}

export interface BlockKind<P, S, I extends string = never> {
  readonly kind: string;
  readonly description: string;
  /** Every param of the physics block, with default, range and unit. */
  readonly params: { readonly [K in keyof P & string]: ParamSpec };
  /** Cross-field checks of the params (e.g. field capacity above the wilting point). */
  readonly check?: (p: P) => ParamProblem[];
  readonly inputs: Readonly<Record<string, InputSpec>>;
  /** Input values when the definition leaves them out, from the block's params (read once per step). */
  readonly absent?: { readonly [K in I]: (p: P, dev: Device) => number };
  /** Signal blocks: the definition names the unit of the value (`unit: lx`). */
  readonly hasUnit?: boolean;
  readonly outputs: Readonly<Record<string, OutputSpec<S>>>;
  init(p: P, inputs: Readonly<Record<I, Input>>, dev: Device, rng: Rng): S;
  step(s: S, p: P, inputs: Readonly<Record<I, Input>>, dev: Device, nowMs: number, dtMs: number, rng: Rng): void;
  /** Battery blocks: the device can no longer run. */
  dead?(s: S): boolean;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyBlockKind = BlockKind<any, any, string>;

/** Type-checks a kind against its physics types, then erases them for the catalog. */
export function defineKind<P, S, I extends string = never>(kind: BlockKind<P, S, I>): AnyBlockKind {
  return kind as unknown as AnyBlockKind;
}

/** Output helpers. */
export const numberOut = <S>(unit: string | null, description: string, get: (s: S) => number): OutputSpec<S> => ({ unit, type: 'number', description, get });
export const flagOut = <S>(description: string, get: (s: S) => boolean): OutputSpec<S> => ({ unit: 'flag', type: 'boolean', description, get });
