import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scenarioSchemaText } from '../../src/scenario/json-schema.js';

describe('scenarios/schema.json', () => {
  it('matches the zod schema (after changing src/scenario/schema.ts, run `npm run schema`)', () => {
    const committed = readFileSync('scenarios/schema.json', 'utf8');
    const fresh = scenarioSchemaText();
    if (committed !== fresh) {
      expect.fail('scenarios/schema.json is stale: run `npm run schema` and commit the result');
    }
  });
});
