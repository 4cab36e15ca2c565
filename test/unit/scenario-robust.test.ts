import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ScenarioError, compileScenarioText } from '../../src/scenario/index.js';

const FILES = ['scenarios/quickstart.yaml', 'test/fixtures/scenarios/valid/full.yaml'];
const ODD_VALUES = ['', '~', '0', '-1', '1.5', '"x"', '[]', '{}', '[1, "a", {}]', 'true', '.inf', '10', '99999999999999999999'];

/** Compiles, or fails with a ScenarioError whose every diagnostic is positioned inside the text. */
function compilesOrExplains(text: string): void {
  const lines = text.split('\n').length;
  try {
    compileScenarioText(text, 'mutant.yaml');
  } catch (err) {
    if (!(err instanceof ScenarioError)) throw err;
    expect(err.diagnostics.length).toBeGreaterThan(0);
    for (const d of err.diagnostics) {
      expect(d.line).toBeGreaterThanOrEqual(1);
      expect(d.line).toBeLessThanOrEqual(lines + 1);
      expect(d.col).toBeGreaterThanOrEqual(1);
      expect(d.message).not.toMatch(/Invalid input|undefined|\[object/);
    }
  }
}

describe('compile never fails with anything but positioned diagnostics', () => {
  for (const file of FILES) {
    const text = readFileSync(file, 'utf8');
    const lines = text.split('\n');

    it(`${file}: with any one line removed`, () => {
      lines.forEach((_, i) => compilesOrExplains(lines.filter((__, j) => j !== i).join('\n')));
    });

    it(`${file}: with any value replaced by an odd one`, () => {
      lines.forEach((line, i) => {
        const m = /^(\s*(?:- )?[\w.{}:-]+:\s)(?!\s*$)/.exec(line);
        if (m === null) return;
        for (const odd of ODD_VALUES) {
          const mutant = [...lines];
          mutant[i] = `${m[1] as string}${odd}`;
          compilesOrExplains(mutant.join('\n'));
        }
      });
    });
  }
});

describe('one problem per wrong value', () => {
  it('a wrong type is not also reported as a wrong length, and union values get one message', () => {
    const text = [
      'version: 1',
      'name: []',
      'fleets:',
      '  - { id: a, model: thermostat, count: 4, telemetry: { every: -5 } }',
      'phases:',
      '  - { kind: connect, rate: 4/s }',
      'thresholds:',
      '  connect.success: [1]',
    ].join('\n');
    let diagnostics: readonly { line: number; col: number; message: string; hint?: string }[] = [];
    try {
      compileScenarioText(text, 'x.yaml');
    } catch (err) {
      diagnostics = (err as ScenarioError).diagnostics;
    }
    expect(diagnostics.map((d) => [d.line, d.col, d.message, d.hint])).toEqual([
      [2, 7, 'expected a string; found an empty list', undefined],
      [4, 63, 'expected a duration with a unit such as 500ms, 10s or 5m; found -5', undefined],
      [8, 21, 'expected an expression such as "p(99) < 250ms", or a map with a threshold key; found 1', undefined],
    ]);
  });
});
