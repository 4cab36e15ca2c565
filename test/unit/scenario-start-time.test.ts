import { describe, expect, it } from 'vitest';
import { ScenarioError, compileScenarioText } from '../../src/scenario/index.js';

const scenario = (startTime: string) => `version: 1
${startTime}fleets:
  - { id: a, model: thermostat, count: 1 }
phases:
  - { kind: connect, rate: 10/s }
`;

describe('startTime: the model time devices see', () => {
  it('defaults to 2026-01-01T00:00:00Z', () => {
    expect(compileScenarioText(scenario(''), 's.yaml').startTimeMs).toBe(Date.UTC(2026, 0, 1));
  });

  it('takes an ISO 8601 date-time with an offset', () => {
    const plan = compileScenarioText(scenario('startTime: "2025-06-21T12:00:00+02:00"\n'), 's.yaml');
    expect(plan.startTimeMs).toBe(Date.UTC(2025, 5, 21, 10));
  });

  it('rejects anything else at its line:col', () => {
    let err: unknown;
    try {
      compileScenarioText(scenario('startTime: tomorrow\n'), 's.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ScenarioError);
    const d = (err as ScenarioError).diagnostics[0];
    expect([d?.line, d?.col, d?.path]).toEqual([2, 12, 'startTime']);
  });
});
