import { describe, expect, it } from 'vitest';
import { compileScenarioText } from '../../src/scenario/index.js';

const scenario = (hub: string): string => `version: 1
${hub}
fleets:
  - { id: a, model: thermostat, count: 2, transport: { dialect: iothub } }
phases:
  - { kind: connect, rate: 10/s }
`;

describe('scenario hub: (embedded hub throttling and telemetry stream)', () => {
  it('off by default; a tier turns throttling on with its units and shaping queue', () => {
    expect(compileScenarioText(scenario(''), 'x.yaml').hub).toEqual({ throttle: null, stream: null, webhook: null });
    expect(compileScenarioText(scenario('hub: { tier: S1 }'), 'x.yaml').hub.throttle).toEqual({ tier: 'S1', units: 1, queueSeconds: 60 });
    const plan = compileScenarioText(scenario('hub: { tier: S3, units: 10, shapingQueue: 500ms, stream: out.ndjson, webhook: "http://127.0.0.1:9/x" }'), 'x.yaml');
    expect(plan.hub).toEqual({ throttle: { tier: 'S3', units: 10, queueSeconds: 0.5 }, stream: 'out.ndjson', webhook: 'http://127.0.0.1:9/x' });
  });

  it('reports units outside the tier, unknown tiers and non-http webhooks at their line', () => {
    const fails = (hub: string, line: number, message: RegExp) =>
      expect(() => compileScenarioText(scenario(hub), 'x.yaml')).toThrow(
        expect.objectContaining({ diagnostics: [expect.objectContaining({ line, message: expect.stringMatching(message) })] }),
      );
    fails('hub: { tier: F1, units: 2 }', 2, /F1 takes 1 to 1 unit; found 2/);
    fails('hub: { tier: S3, units: 11 }', 2, /S3 takes 1 to 10 units; found 11/);
    fails('hub: { tier: B1 }', 2, /F1|S1/);
    fails('hub: { webhook: "ftp://x/y" }', 2, /./);
    fails('hub: { tire: S1 }', 2, /tire/);
  });
});
