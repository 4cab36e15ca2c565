import { z } from '../core/zod.js';
import type { AnyDeviceModel } from './model.js';

export interface ParamDoc {
  readonly name: string;
  readonly type: string;
  /** Default value as JSON text, or "required" / "optional". */
  readonly default: string;
  /** The parameter's description, which states its unit and range. */
  readonly description: string;
}

/** A model's parameters as documentation rows, read from its zod schema (the same one that validates scenarios). */
export function describeParams(model: AnyDeviceModel): ParamDoc[] {
  const schema = z.toJSONSchema(model.params, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, { type?: string; default?: unknown; description?: string; enum?: unknown[] }>;
    required?: string[];
  };
  return Object.entries(schema.properties ?? {}).map(([name, p]) => ({
    name,
    type: p.enum !== undefined ? p.enum.map((v) => JSON.stringify(v)).join(' | ') : (p.type ?? 'any'),
    default: p.default !== undefined ? JSON.stringify(p.default) : schema.required?.includes(name) === true ? 'required' : 'optional',
    description: p.description ?? '',
  }));
}
