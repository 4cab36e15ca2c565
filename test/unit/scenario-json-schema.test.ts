import { describe, expect, it } from 'vitest';
import { DURATION_PATTERN, RATE_PATTERN } from '../../src/core/duration.js';
import { scenarioJsonSchema } from '../../src/scenario/index.js';

type Node = Record<string, unknown>;

/** Every named property in the schema, with its path. */
function properties(node: unknown, path = ''): [string, Node][] {
  if (node === null || typeof node !== 'object') return [];
  const out: [string, Node][] = [];
  const n = node as Node;
  for (const [key, value] of Object.entries((n.properties ?? {}) as Record<string, Node>)) {
    out.push([`${path}.${key}`, value], ...properties(value, `${path}.${key}`));
  }
  for (const key of ['items', 'additionalProperties']) if (typeof n[key] === 'object') out.push(...properties(n[key], `${path}[]`));
  for (const key of ['anyOf', 'oneOf']) {
    for (const [i, branch] of ((n[key] ?? []) as Node[]).entries()) out.push(...properties(branch, `${path}|${i}`));
  }
  return out;
}

describe('scenarioJsonSchema', () => {
  const schema = scenarioJsonSchema();

  it('identifies itself', () => {
    expect(schema).toMatchObject({ $schema: 'http://json-schema.org/draft-07/schema#', $id: expect.any(String), title: 'fleetsim scenario' });
    expect(schema.description).toEqual(expect.stringContaining('DSL version 1'));
  });

  it('documents every property and forbids unknown keys on every object', () => {
    const props = properties(schema);
    expect(props.length).toBeGreaterThan(40);
    expect(props.filter(([, p]) => typeof p.description !== 'string').map(([path]) => path)).toEqual([]);
    const objects = props.filter(([, p]) => p.type === 'object' && p.properties !== undefined);
    expect(objects.filter(([, p]) => p.additionalProperties !== false).map(([path]) => path)).toEqual([]);
    expect(schema.additionalProperties).toBe(false);
  });

  it('carries the duration and rate patterns as core/duration.ts writes them', () => {
    const text = JSON.stringify(schema);
    expect(text).toContain(JSON.stringify(DURATION_PATTERN));
    expect(text).toContain(JSON.stringify(RATE_PATTERN));
    const every = properties(schema).find(([path]) => path.endsWith('.telemetry.every'))?.[1];
    expect(every).toMatchObject({ type: 'string', pattern: DURATION_PATTERN, default: '10s' });
  });

  it('lets editors check threshold keys against the metric catalog', () => {
    const thresholds = (schema.properties as Record<string, Node>).thresholds as Node;
    const pattern = new RegExp((thresholds.propertyNames as { pattern: string }).pattern);
    expect(pattern.test('telemetry.latency')).toBe(true);
    expect(pattern.test('telemetry.latency{phase:steady-2}')).toBe(true);
    expect(pattern.test('telemetry.latncy')).toBe(false);
  });

  it("checks each built-in model's params when fleets name it", () => {
    const fleet = ((schema.properties as Record<string, Node>).fleets as Node).items as Node;
    expect((fleet.properties as Record<string, Node>).model).toMatchObject({ examples: expect.arrayContaining(['thermostat']) });
    expect(fleet.allOf).toContainEqual({
      if: { properties: { model: { const: 'thermostat' } }, required: ['model'] },
      then: {
        properties: {
          params: expect.objectContaining({
            additionalProperties: false,
            properties: expect.objectContaining({ setpoint: expect.objectContaining({ minimum: 5, maximum: 35, default: 21 }) }),
          }),
        },
      },
    });
  });
});
