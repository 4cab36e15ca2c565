/**
 * The schema of a composed model definition, as users write it in YAML: ordered blocks (physics and signals), the
 * channels read() reports, and optionally the battery whose death stops the device. Every problem carries a path
 * relative to the definition object (['blocks', 'rh', 'temperature']) and reads "expected …; found …".
 */
import { z } from '../../core/zod.js';
import { describeFound, didYouMean, listAnd, listOr, quoteAll } from '../../scenario/wording.js';
import { dutyCycleParams, sensorParamsSchema } from '../models/common.js';
import { DEFAULTS as SENSOR_OFF, type SensorParams } from '../physics/sensor.js';
import { type DutyCycle } from '../models/common.js';
import { blockKind, blockKindNames, BLOCK_KINDS, outputOf, type ResolvedOutput } from './catalog.js';
import type { AnyBlockKind } from './kind.js';
import { REF_PATTERN, paramsObject, valueInputSchema } from './params.js';

/** A block after parsing: its params complete (defaults applied), its inputs as written. */
export interface BlockDef {
  readonly kind: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** Signal blocks: the unit of the value. */
  readonly unit?: string | undefined;
  /** Value inputs: a number, or a reference "block.output" to an earlier block. */
  readonly temperature?: number | string | undefined;
  readonly currentMa?: number | string | undefined;
  readonly dutyCycle?: DutyCycle | undefined;
}

export interface ChannelDef {
  /** The block output reported, "block.output". */
  readonly from: string;
  /** Decimal places of a numeric reading (default 2). */
  readonly decimals: number;
  /** Sensor realism (noise, ADC, drift, faults) in the output's unit; absent = the true value. */
  readonly sensor?: SensorParams | undefined;
  /** Replaces the output's description in `channels`. */
  readonly description?: string | undefined;
}

export interface ComposedModelDef {
  readonly description?: string | undefined;
  /** Stepped in this (insertion) order. */
  readonly blocks: Readonly<Record<string, BlockDef>>;
  /** What read() reports, in this order. */
  readonly channels: Readonly<Record<string, ChannelDef>>;
  /** A battery block: the device stops when it is dead. */
  readonly dead?: string | undefined;
}

/** A model file (scenarios/models/*.model.yaml): a definition with its name. */
export interface ModelFileDef extends ComposedModelDef {
  readonly name: string;
}

/** Block and channel names: they appear in references ("block.output") and telemetry keys. */
export const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const MODEL_NAME_PATTERN = /^[a-z][a-z0-9-]*$/;
const DEFAULT_DECIMALS = 2;

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function blockSchema(k: AnyBlockKind) {
  const shape: Record<string, z.ZodType> = {
    kind: z.literal(k.kind).describe(`block kind: ${k.description}`),
    params: paramsObject(k.params, k.check).prefault({}).describe(`${k.kind} parameters, each with its default (see fleetsim models --blocks)`),
  };
  for (const [name, input] of Object.entries(k.inputs)) {
    shape[name] = (input.type === 'value' ? valueInputSchema(input) : z.object(dutyCycleParams).strict().describe(input.meaning)).optional();
  }
  if (k.hasUnit === true) {
    const error = (iss: { input?: unknown }): string => `expected a unit of a number, e.g. "lx"; found ${describeFound(iss.input)}`;
    // 'flag', 'on/off' and 'text' mark non-numeric channels (model.ts isNumericChannel).
    const notNumeric = (u: string): boolean => u === 'flag' || u === 'on/off' || u === 'text';
    shape.unit = z.string({ error }).max(32, { error }).refine((u) => !notNumeric(u), { error }).optional().describe('unit of the value (documentation, channel units, sensor messages)');
  }
  return z.object(shape).strict().describe(k.description);
}

const kindNames = blockKindNames();
const blockError = (iss: { code?: string; input?: unknown }): string | undefined => {
  if (iss.code === 'invalid_type') return `expected a block: a map with kind (${listOr(quoteAll(kindNames))}) and params; found ${describeFound(iss.input)}`;
  if (iss.code !== 'invalid_union') return undefined;
  const kind = isRecord(iss.input) ? iss.input.kind : undefined;
  if (kind === undefined) return `missing required key "kind": one of ${listOr(quoteAll(kindNames))}`;
  return `expected a block kind: ${listOr(quoteAll(kindNames))}; found ${describeFound(kind)}${typeof kind === 'string' ? didYouMean(kind, kindNames) : ''}`;
};
const blockUnion = z.discriminatedUnion('kind', BLOCK_KINDS.map(blockSchema) as unknown as [z.ZodObject, ...z.ZodObject[]], { error: blockError });

const refError = (iss: { input?: unknown }): string => `expected a reference "block.output", e.g. "air.temperatureC"; found ${describeFound(iss.input)}`;
const decimalsError = (iss: { input?: unknown }): string => `expected a whole number from 0 to 6 decimals; found ${describeFound(iss.input)}`;
const channelError = (iss: { code?: string; input?: unknown }): string | undefined =>
  iss.code === 'invalid_type' ? `expected a channel: a map with from: block.output; found ${describeFound(iss.input)}` : undefined;
const channelSchema = z
  .object({
    from: z.string({ error: refError }).describe('the block output this channel reports, "block.output"'),
    decimals: z
      .number({ error: decimalsError })
      .int({ error: decimalsError })
      .min(0, { error: decimalsError })
      .max(6, { error: decimalsError })
      .optional()
      .describe(`decimal places of a numeric reading (0–6; default ${DEFAULT_DECIMALS})`),
    sensor: z.unknown().optional().describe('sensor realism in the output unit: noiseSd, bits, rangeMin, rangeMax, offset, driftPerDay, faults (numeric outputs only)'),
    description: z.string().optional().describe("replaces the output's description"),
  }, { error: channelError })
  .strict();

const mapError = (what: string) => (iss: { input?: unknown }) => `expected a map of ${what}; found ${describeFound(iss.input)}`;

function build(withName: boolean) {
  const shape = {
    ...(withName
      ? {
          name: z
            .string()
            .regex(MODEL_NAME_PATTERN, { error: (iss) => `expected a model name of lowercase letters, digits and -; found ${describeFound(iss.input)}` })
            .describe('the model name fleets use'),
        }
      : {}),
    description: z.string({ error: (iss) => `expected one line of text; found ${describeFound(iss.input)}` }).optional().describe('one line: what the device is'),
    blocks: z.record(z.string(), blockUnion, { error: mapError('blocks, name: { kind, params }') }).describe('ordered blocks, stepped in this order'),
    channels: z.record(z.string(), channelSchema, { error: mapError('channels, name: { from: block.output }') }).describe('what the device reports, in this order'),
    dead: z.string({ error: (iss) => `expected the name of a battery block; found ${describeFound(iss.input)}` }).optional().describe('a battery block: the device stops for good once it is dead'),
  };
  return z
    .object(shape, { error: (iss) => (iss.code === 'invalid_type' ? `expected a model definition: a map with blocks and channels; found ${describeFound(iss.input)}` : undefined) })
    .strict()
    .superRefine(checkDefinition, { when: (payload) => isRecord(payload.value) })
    .transform((v) => finish(v as unknown as Record<string, unknown>));
}

/** A composed model definition (`models:` entries, or a model file without its name). */
export const composedModelSchema: z.ZodType<ComposedModelDef> = build(false) as unknown as z.ZodType<ComposedModelDef>;
/** A model file: `name` plus a definition. */
export const modelFileSchema: z.ZodType<ModelFileDef> = build(true) as unknown as z.ZodType<ModelFileDef>;

type Path = (string | number)[];
type Ctx = z.core.$RefinementCtx<unknown>;

/** The output a reference names, if the definition's blocks make it resolvable. */
export function referencedOutput(blocks: Readonly<Record<string, unknown>>, ref: string): ResolvedOutput | undefined {
  const dot = ref.indexOf('.');
  const b = blocks[ref.slice(0, dot)];
  const k = isRecord(b) ? blockKind(b.kind) : undefined;
  return dot > 0 && k !== undefined && isRecord(b) ? outputOf(k, ref.slice(dot + 1), b.unit) : undefined;
}

/** Reference checks across blocks and channels; runs on whatever parsed, so every problem shows at once. */
function checkDefinition(def: unknown, ctx: Ctx): void {
  if (!isRecord(def)) return;
  const issue = (path: Path, message: string, input: unknown): void => ctx.addIssue({ code: 'custom', path, message, input });
  const blocks = isRecord(def.blocks) ? def.blocks : undefined;
  const names = blocks === undefined ? [] : Object.keys(blocks);
  const order = new Map(names.map((name, i) => [name, i]));
  if (blocks !== undefined && names.length === 0) issue(['blocks'], 'expected at least one block (name: { kind, params }); found an empty map', blocks);

  /** The output a reference names, or undefined after reporting why not (or when its block is itself broken). */
  const resolve = (ref: string, path: Path, need: { before?: string; unit?: string }): ResolvedOutput | undefined => {
    const dot = ref.indexOf('.');
    if (dot <= 0 || dot === ref.length - 1) return void issue(path, refError({ input: ref }), ref);
    const name = ref.slice(0, dot);
    const output = ref.slice(dot + 1);
    const at = order.get(name);
    if (at === undefined) {
      const known = names.length === 0 ? 'none defined' : listOr(quoteAll(names));
      return void issue(path, `expected "block.output" naming a block (${known}); found block "${name}"${didYouMean(name, names)}`, ref);
    }
    if (need.before !== undefined) {
      const self = order.get(need.before) ?? -1;
      if (at === self) return void issue(path, `expected the output of an earlier block; found "${ref}", the block's own output`, ref);
      if (at > self) {
        return void issue(
          path,
          `expected the output of a block before "${need.before}" (blocks are stepped in order: ${names.join(', ')}); found "${ref}", of a later block; move "${name}" above "${need.before}"`,
          ref,
        );
      }
    }
    const b = blocks?.[name];
    const k = isRecord(b) ? blockKind(b.kind) : undefined;
    if (k === undefined || !isRecord(b)) return undefined; // the block's own problem is reported there
    const out = outputOf(k, output, b.unit);
    if (out === undefined) {
      const outputs = Object.keys(k.outputs);
      return void issue(path, `expected an output of block "${name}" (${k.kind}): ${listOr(quoteAll(outputs))}; found "${output}"${didYouMean(output, outputs)}`, ref);
    }
    if (need.unit !== undefined) {
      if (out.type !== 'number') return void issue(path, `expected a numeric output (${need.unit}); found "${ref}", which is true or false`, ref);
      if (out.unit !== '' && out.unit !== need.unit) return void issue(path, `expected an output in ${need.unit}; found "${ref}" in ${out.unit}`, ref);
    }
    return out;
  };

  for (const name of names) {
    if (!NAME_PATTERN.test(name)) issue(['blocks', name], nameMessage('block', name), name);
    const b = blocks?.[name];
    const k = isRecord(b) ? blockKind(b.kind) : undefined;
    if (k === undefined || !isRecord(b)) continue;
    for (const [input, spec] of Object.entries(k.inputs)) {
      const value = b[input];
      if (spec.type === 'dutyCycle') {
        if (value !== undefined && b[spec.instead] !== undefined) issue(['blocks', name, input], `expected ${spec.instead} or ${input}, not both; found both`, value);
      } else if (typeof value === 'string' && REF_PATTERN.test(value)) {
        // (a malformed reference is the input schema's problem, reported there)
        resolve(value, ['blocks', name, input], { before: name, unit: spec.unit });
      }
    }
  }

  if (isRecord(def.channels)) {
    const channels = def.channels;
    if (Object.keys(channels).length === 0) issue(['channels'], 'expected at least one channel (name: { from: block.output }); found an empty map', channels);
    for (const [name, c] of Object.entries(channels)) {
      if (!NAME_PATTERN.test(name)) issue(['channels', name], nameMessage('channel', name), name);
      if (!isRecord(c) || typeof c.from !== 'string') continue;
      const out = resolve(c.from, ['channels', name, 'from'], {});
      if (out === undefined) continue;
      if (out.type === 'boolean') {
        for (const key of ['decimals', 'sensor'] as const) {
          if (c[key] !== undefined) issue(['channels', name, key], `expected ${key} only on a numeric output; found "${c.from}", which is true or false`, c[key]);
        }
      } else if (c.sensor !== undefined) {
        checkSensor(c.sensor, out.unit, ['channels', name, 'sensor'], issue);
      }
    }
  }

  if (typeof def.dead === 'string' && blocks !== undefined) {
    const batteries = names.filter((n) => isRecord(blocks[n]) && (blocks[n] as Record<string, unknown>).kind === 'battery');
    const kind = isRecord(blocks[def.dead]) ? (blocks[def.dead] as Record<string, unknown>).kind : undefined;
    if (!order.has(def.dead)) {
      const known = batteries.length === 0 ? 'there is none' : listOr(quoteAll(batteries));
      issue(['dead'], `expected the name of a battery block (${known}); found "${def.dead}"${didYouMean(def.dead, batteries)}`, def.dead);
    } else if (typeof kind === 'string' && kind !== 'battery' && blockKind(kind) !== undefined) {
      const hint = batteries.length === 0 ? '' : `; the battery blocks: ${listAnd(quoteAll(batteries))}`;
      issue(['dead'], `expected a battery block; found "${def.dead}", a ${kind} block${hint}`, def.dead);
    }
  }
}

function nameMessage(what: string, name: string): string {
  return `expected a ${what} name of letters, digits, _ and - (not starting with a digit or -); found ${JSON.stringify(name)}`;
}

const SENSOR_KEYS = Object.keys(SENSOR_OFF);
const FAULT_KEYS = Object.keys(SENSOR_OFF.faults);

/** A channel's sensor params, validated in the unit of the output it reads (messages name that unit). */
function checkSensor(sensor: unknown, unit: string, at: Path, issue: (path: Path, message: string, input: unknown) => void): void {
  const r = sensorParamsSchema(unit).safeParse(sensor, { reportInput: true });
  if (r.success) return;
  for (const iss of r.error.issues) {
    const path = [...at, ...(iss.path as Path)];
    const allowed = iss.path.length === 0 ? SENSOR_KEYS : FAULT_KEYS;
    if (iss.code === 'unrecognized_keys') {
      for (const key of iss.keys) {
        const near = didYouMean(key, allowed);
        issue([...path, key], `unknown key ${JSON.stringify(key)}${near === '' ? `; allowed keys here: ${listAnd(allowed)}` : near}`, key);
      }
    } else if (iss.code === 'invalid_type' && iss.expected === 'object') {
      issue(path, `expected a map of sensor settings (${listAnd(allowed)}); found ${describeFound(iss.input)}`, iss.input);
    } else {
      issue(path, iss.message, iss.input);
    }
  }
}

/** Defaults that depend on the referenced output: decimals, and sensor params in its unit. */
function finish(v: Record<string, unknown>): ComposedModelDef {
  const blocks = v.blocks as Record<string, BlockDef>;
  const channels: Record<string, ChannelDef> = {};
  for (const [name, c] of Object.entries(v.channels as Record<string, { from: string; decimals?: number; sensor?: unknown; description?: string }>)) {
    const out = referencedOutput(blocks, c.from);
    const sensor = c.sensor === undefined || out === undefined ? undefined : sensorParamsSchema(out.unit).parse(c.sensor);
    channels[name] = {
      from: c.from,
      decimals: c.decimals ?? DEFAULT_DECIMALS,
      ...(sensor === undefined ? {} : { sensor }),
      ...(c.description === undefined ? {} : { description: c.description }),
    };
  }
  return { ...v, blocks, channels } as ComposedModelDef;
}
