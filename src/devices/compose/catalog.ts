/** The block catalog: every kind a composed model may use, and its documentation. */
import { PHYSICS_KINDS } from './blocks.js';
import type { AnyBlockKind } from './kind.js';
import { paramSchema } from './params.js';
import { SIGNAL_KINDS } from './signals.js';

export const BLOCK_KINDS: readonly AnyBlockKind[] = [...PHYSICS_KINDS, ...SIGNAL_KINDS];
const byKind = new Map(BLOCK_KINDS.map((k) => [k.kind, k]));

export function blockKind(kind: unknown): AnyBlockKind | undefined {
  return typeof kind === 'string' ? byKind.get(kind) : undefined;
}

export function blockKindNames(): string[] {
  return BLOCK_KINDS.map((k) => k.kind);
}

/** An output of a block as a definition sees it: its unit resolved (signal blocks: the block's `unit:`). */
export interface ResolvedOutput {
  readonly unit: string;
  readonly type: 'number' | 'boolean';
  readonly description: string;
}

export function outputOf(kind: AnyBlockKind, output: string, blockUnit: unknown): ResolvedOutput | undefined {
  const o = Object.hasOwn(kind.outputs, output) ? kind.outputs[output] : undefined;
  if (o === undefined) return undefined;
  return { unit: o.unit ?? (typeof blockUnit === 'string' ? blockUnit : ''), type: o.type, description: o.description };
}

export interface BlockParamDoc {
  readonly name: string;
  readonly type: 'number' | 'integer' | 'enum' | 'route';
  /** The default as JSON text. */
  readonly default: string;
  readonly unit: string;
  /** Meaning, unit and range. */
  readonly description: string;
}

export interface BlockInputDoc {
  readonly name: string;
  /** What the input accepts, e.g. 'number (°C) or "block.output"'. */
  readonly accepts: string;
  /** What the block uses when the input is left out. */
  readonly absent: string;
  readonly description: string;
}

export interface BlockOutputDoc {
  readonly name: string;
  /** The unit; "(block unit)" for signal blocks, whose `unit:` key names it. */
  readonly unit: string;
  readonly type: 'number' | 'boolean';
  readonly description: string;
}

export interface BlockDoc {
  readonly kind: string;
  readonly description: string;
  readonly inputs: readonly BlockInputDoc[];
  readonly params: readonly BlockParamDoc[];
  readonly outputs: readonly BlockOutputDoc[];
  /** Signal blocks take `unit:` (the unit of their value). */
  readonly hasUnit: boolean;
}

export const BLOCK_UNIT = '(block unit)';

/** Every block kind with its inputs, params (default, unit, range) and outputs (unit): for docs and `fleetsim models --blocks`. */
export function describeBlocks(): BlockDoc[] {
  return BLOCK_KINDS.map((k) => ({
    kind: k.kind,
    description: k.description,
    inputs: Object.entries(k.inputs).map(([name, i]) => ({
      name,
      accepts:
        i.type === 'value'
          ? `number${i.unit === '' ? '' : ` (${i.unit})`} ${i.min}–${i.max} or "block.output"`
          : '{ activeMs, activeMa, sleepUa }',
      absent: i.absent,
      description: i.meaning,
    })),
    params: Object.entries(k.params).map(([name, spec]) => ({
      name,
      type: spec.type === 'number' ? (spec.integer === true ? 'integer' : 'number') : spec.type,
      default: JSON.stringify(spec.def),
      unit: spec.type === 'number' ? (spec.unit === '' && k.hasUnit === true ? BLOCK_UNIT : spec.unit) : '',
      description: paramSchema(spec).description ?? spec.meaning,
    })),
    outputs: Object.entries(k.outputs).map(([name, o]) => ({ name, unit: o.unit ?? BLOCK_UNIT, type: o.type, description: o.description })),
    hasUnit: k.hasUnit === true,
  }));
}
