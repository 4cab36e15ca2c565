/**
 * A DeviceModel from a parsed definition. References are resolved to closures once, here; a device's state is
 * preallocated at init, and step() walks fixed arrays (no allocation beyond what the physics blocks do).
 * Random draws: blocks in block order, then channel sensors in channel order, all from the model's one stream.
 */
import { z } from '../../core/zod.js';
import { dutyCycleCurrentMa, perParams, round } from '../models/common.js';
import type { AnyDeviceModel, ChannelInfo, DeviceModel, Readings } from '../model.js';
import { type SensorParams, type SensorState, initSensor, readSensor } from '../physics/sensor.js';
import { blockKind, outputOf } from './catalog.js';
import type { AnyBlockKind, Device, Input } from './kind.js';
import { paramsObject } from './params.js';
import type { BlockDef, ComposedModelDef } from './schema.js';

/** Per-fleet configuration: each block's complete physics params (the definition's, with the fleet's overrides). */
interface Config {
  readonly params: readonly object[];
}

interface State extends Device {
  readonly c: Config;
  readonly sensors: (SensorState | undefined)[];
  /** The last readings, in channel order; frozen once the device is dead. */
  readonly values: (number | boolean | null)[];
  dead: boolean;
}

interface Block {
  readonly name: string;
  readonly kind: AnyBlockKind;
  readonly inputs: Readonly<Record<string, Input>>;
}

interface Channel {
  readonly name: string;
  readonly numeric: boolean;
  readonly decimals: number;
  readonly sensor: SensorParams | undefined;
  get(dev: Device): number | boolean;
}

/** Thrown for a definition that did not come from composedModelSchema (a programming error, not a user's). */
function invalid(message: string): never {
  throw new Error(`composeModel: ${message}; parse the definition with composedModelSchema first`);
}

/** A reader of "block.output" over the device state. */
function reader(def: ComposedModelDef, names: readonly string[], ref: string): { get: (dev: Device) => number | boolean; numeric: boolean } {
  const dot = ref.indexOf('.');
  const i = names.indexOf(ref.slice(0, dot));
  const b = def.blocks[ref.slice(0, dot)];
  const kind = b === undefined ? undefined : blockKind(b.kind);
  const spec = kind?.outputs[ref.slice(dot + 1)];
  if (dot <= 0 || i < 0 || spec === undefined) invalid(`unresolvable reference "${ref}"`);
  const get = spec.get;
  return { get: (dev) => get(dev.blocks[i]), numeric: spec.type === 'number' };
}

function resolveInputs(def: ComposedModelDef, names: readonly string[], index: number, b: BlockDef, kind: AnyBlockKind): Record<string, Input> {
  const inputs: Record<string, Input> = {};
  const raw = b as unknown as Record<string, unknown>;
  for (const [name, spec] of Object.entries(kind.inputs)) {
    if (spec.type !== 'value') continue;
    const v = raw[name];
    if (typeof v === 'number') {
      inputs[name] = () => v;
    } else if (typeof v === 'string') {
      const r = reader(def, names, v);
      if (names.indexOf(v.slice(0, v.indexOf('.'))) >= index || !r.numeric) invalid(`input ${name} of block "${names[index]}" must read a numeric output of an earlier block`);
      const get = r.get as (dev: Device) => number;
      inputs[name] = get;
    } else {
      const duty = Object.entries(kind.inputs).find(([, s]) => s.type === 'dutyCycle' && s.instead === name)?.[0];
      const cycle = duty === undefined ? undefined : (raw[duty] as BlockDef['dutyCycle']);
      const absent = (kind.absent as Record<string, (p: object, dev: Device) => number> | undefined)?.[name];
      if (cycle !== undefined) inputs[name] = (dev) => dutyCycleCurrentMa(cycle, dev.dtMs);
      else if (absent !== undefined) inputs[name] = (dev) => absent((dev as State).c.params[index] as object, dev);
      else invalid(`block "${names[index]}" has no value for input ${name}`);
    }
  }
  return inputs;
}

/**
 * The model a definition describes. Its params let a fleet override any block's params
 * (`params: { air: { setpointC: 18 } }`); left out, each block keeps the definition's values.
 */
export function composeModel(name: string, def: ComposedModelDef): AnyDeviceModel {
  const names = Object.keys(def.blocks);
  const blocks: Block[] = names.map((n, index) => {
    const b = def.blocks[n] as BlockDef;
    const kind = blockKind(b.kind) ?? invalid(`unknown block kind "${b.kind}"`);
    return { name: n, kind, inputs: resolveInputs(def, names, index, b, kind) };
  });
  const channels: Channel[] = Object.entries(def.channels).map(([n, c]) => {
    const r = reader(def, names, c.from);
    return { name: n, numeric: r.numeric, decimals: c.decimals, sensor: r.numeric ? c.sensor : undefined, get: r.get };
  });
  const channelInfo: Record<string, ChannelInfo> = {};
  for (const [n, c] of Object.entries(def.channels)) {
    const dot = c.from.indexOf('.');
    const b = def.blocks[c.from.slice(0, dot)] as BlockDef;
    const out = outputOf(blockKind(b.kind) as AnyBlockKind, c.from.slice(dot + 1), b.unit) ?? invalid(`unresolvable reference "${c.from}"`);
    channelInfo[n] = { unit: out.unit, description: c.description ?? `${out.description} (${c.from})` };
  }
  const deadAt = def.dead === undefined ? -1 : names.indexOf(def.dead);
  const deadOf = deadAt < 0 ? undefined : blocks[deadAt]?.kind.dead;
  if (def.dead !== undefined && deadOf === undefined) invalid(`dead: "${def.dead}" is not a battery block`);

  const shape: Record<string, z.ZodType> = {};
  for (const [i, n] of names.entries()) {
    const b = def.blocks[n] as BlockDef;
    const kind = (blocks[i] as Block).kind;
    shape[n] = paramsObject(kind.params, kind.check, b.params)
      .prefault({})
      .describe(`overrides of block "${n}" (${kind.kind}) params; default: the definition's`);
  }
  const params = z.object(shape).strict();
  type Params = Record<string, Record<string, unknown>>;
  const configOf = perParams((p: Params): Config => ({ params: names.map((n) => ({ ...p[n] })) }));

  /** Channel readings from the block states; sensors draw only when stepping (dtMs > 0). */
  const sample = (s: State, nowMs: number, dtMs: number, rng: Parameters<DeviceModel['step']>[3] | undefined): void => {
    for (let i = 0; i < channels.length; i++) {
      const ch = channels[i] as Channel;
      const v = ch.get(s);
      if (!ch.numeric) {
        s.values[i] = v;
        continue;
      }
      const sensor = s.sensors[i];
      const x = ch.sensor !== undefined && sensor !== undefined && rng !== undefined ? readSensor(sensor, ch.sensor, v as number, nowMs, dtMs, rng) : (v as number);
      s.values[i] = x === null ? null : Number.isFinite(x) ? round(x, ch.decimals) : null;
    }
  };

  const model: DeviceModel<Params, State> = {
    name,
    description: def.description ?? `composed of ${blocks.map((b) => `${b.name} (${b.kind.kind})`).join(', ')}`,
    params: params as unknown as z.ZodType<Params>,
    channels: channelInfo,
    init({ params: p, rng }) {
      const c = configOf(p);
      const s: State = {
        c,
        blocks: new Array<unknown>(blocks.length),
        dtMs: 0,
        sensors: channels.map((ch) => (ch.sensor === undefined ? undefined : initSensor(ch.sensor, rng))),
        values: new Array<number | boolean | null>(channels.length).fill(null),
        dead: false,
      };
      for (let i = 0; i < blocks.length; i++) {
        const b = blocks[i] as Block;
        s.blocks[i] = b.kind.init(c.params[i], b.inputs, s, rng);
      }
      sample(s, 0, 0, undefined);
      return s;
    },
    step(s, nowMs, dtMs, rng) {
      if (s.dead || !(dtMs > 0)) return s;
      s.dtMs = dtMs;
      const c = s.c;
      for (let i = 0; i < blocks.length; i++) {
        const b = blocks[i] as Block;
        b.kind.step(s.blocks[i], c.params[i], b.inputs, s, nowMs, dtMs, rng);
      }
      if (deadOf !== undefined && deadOf(s.blocks[deadAt])) {
        s.dead = true; // browned out before measuring: the last readings stand
        return s;
      }
      sample(s, nowMs, dtMs, rng);
      return s;
    },
    read(s) {
      const out: Readings = {};
      for (let i = 0; i < channels.length; i++) out[(channels[i] as Channel).name] = s.values[i] ?? null;
      return out;
    },
  };
  if (deadOf !== undefined) model.dead = (s) => s.dead;
  return model;
}
