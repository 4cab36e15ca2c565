import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { METRIC_NAMES } from '../../src/metrics/names.js';

describe('README metrics glossary', () => {
  it('documents every metric in the catalog', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const glossary = readme.slice(readme.indexOf('## Metrics glossary'), readme.indexOf('## Exit codes'));
    const missing = METRIC_NAMES.filter((name) => !glossary.includes(`| \`${name}\` |`));
    expect(missing).toEqual([]);
  });
});
