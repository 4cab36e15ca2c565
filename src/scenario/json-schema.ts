import { z } from '../core/zod.js';
import { ScenarioSchema } from './schema.js';

export const SCENARIO_SCHEMA_ID = 'urn:fleetsim:schema:scenario:v1';

/**
 * JSON Schema (draft-07, what YAML editors support best) of the scenario DSL, generated from the zod schema: strict
 * objects, defaults, and the duration/rate patterns. scenarios/schema.json is this, written by `npm run schema`.
 */
export function scenarioJsonSchema(): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(ScenarioSchema, { io: 'input', target: 'draft-7' }) as Record<string, unknown>;
  return {
    $schema,
    $id: SCENARIO_SCHEMA_ID,
    title: 'fleetsim scenario',
    ...rest,
    description:
      'A fleetsim load scenario (DSL version 1): fleets of simulated IoT devices, the phases they go through, and the thresholds that pass or fail the run. Durations are strings with a unit (500ms, 10s, 5m); rates are events per unit of time (200/s, 30/min).',
  };
}

/** The schema as scenarios/schema.json holds it: pretty-printed, with a trailing newline. */
export function scenarioSchemaText(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
}
