import { composedModelSchema } from '../devices/compose/index.js';
import { listModels } from '../devices/registry.js';
import { z } from '../core/zod.js';
import { ScenarioSchema } from './schema.js';

export const SCENARIO_SCHEMA_ID = 'urn:fleetsim:schema:scenario:v1';

type JsonObject = Record<string, unknown>;
// unrepresentable: a model param zod cannot express in JSON Schema becomes "any" rather than failing the build.
const options = { io: 'input', target: 'draft-7', unrepresentable: 'any' } as const;

/**
 * JSON Schema (draft-07, what YAML editors support best) of the scenario DSL, generated from the zod schema: strict
 * objects, defaults, and the duration/rate patterns. Each built-in model's params schema applies when `model` names
 * it, so editors complete and check params too. scenarios/schema.json is this, written by `npm run schema`.
 */
export function scenarioJsonSchema(): JsonObject {
  const { $schema, ...rest } = z.toJSONSchema(ScenarioSchema, options) as JsonObject;
  const fleet = ((rest.properties as JsonObject).fleets as JsonObject).items as JsonObject;
  const models = listModels();
  const model = (fleet.properties as JsonObject).model as JsonObject;
  model.examples = models.map((m) => m.name);
  fleet.allOf = models.map((m) => {
    const { $schema: _, ...params } = z.toJSONSchema(m.params, options) as JsonObject;
    return {
      if: { properties: { model: { const: m.name } }, required: ['model'] },
      then: { properties: { params: { ...params, description: `${m.name} parameters: ${m.description}` } } },
    };
  });
  // The models: section holds composed model definitions: editors check them against the composer's own schema.
  const { $schema: _s, ...composed } = z.toJSONSchema(composedModelSchema, options) as JsonObject;
  const modelsSection = (rest.properties as JsonObject).models as JsonObject;
  modelsSection.additionalProperties = composed;
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
