/** Writes scenarios/schema.json, the JSON Schema editors use to check and complete scenario files. `npm run schema`. */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { scenarioJsonSchema, scenarioSchemaText } from '../src/scenario/json-schema.js';

const out = fileURLToPath(new URL('../scenarios/schema.json', import.meta.url));
writeFileSync(out, scenarioSchemaText());
const properties = Object.keys((scenarioJsonSchema() as { properties: object }).properties);
process.stdout.write(`wrote ${out} (${properties.length} top-level keys: ${properties.join(', ')})\n`);
