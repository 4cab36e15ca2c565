import { describe, expect, it } from 'vitest';
import { ScenarioError, compileScenarioText, formatDiagnostics } from '../../src/scenario/index.js';
import { parseSize } from '../../src/scenario/compile-phases.js';
import { uploadSchedule } from '../../src/worker/phases/file-upload.js';

const scenario = (phase: string, transport = '{ dialect: iothub, iothub: { protocol: https } }') => `
version: 1
seed: 4
fleets:
  - { id: a, model: thermostat, count: 100, transport: ${transport} }
  - { id: plain, model: thermostat, count: 10 }
phases:
  - { kind: connect, rate: 100/s }
  - ${phase}
`;

describe('the file-upload phase and transport.iothub.protocol', () => {
  it('compiles sizes, the https protocol and its poll interval; defaults to the IoT Hub fleets', () => {
    expect(parseSize('64KiB')).toBe(65_536);
    expect(parseSize('1MB')).toBe(1_000_000);
    expect(parseSize(512)).toBe(512);
    const plan = compileScenarioText(scenario('{ kind: file-upload, fraction: 0.3, rate: 10/s, size: 2KiB, duration: 5s }'), 'x.yaml');
    const phase = plan.phases[1];
    expect(phase).toMatchObject({ kind: 'file-upload', fleets: ['a'], fraction: 0.3, ratePerS: 10, sizeBytes: 2048, blobName: '{phase}-{index}.bin' });
    expect(plan.fleets[0]?.transport.iothub).toMatchObject({ protocol: 'https', c2dPollMs: 25 * 60_000, httpsUrl: undefined });
  });

  it('selects a seeded share of the devices, at most rate × duration, the same in every shard', () => {
    const plan = compileScenarioText(scenario('{ kind: file-upload, fraction: 0.3, rate: 4/s, size: 1KiB, duration: 5s }'), 'x.yaml');
    const phase = plan.phases[1];
    if (phase?.kind !== 'file-upload') throw new Error('no file-upload phase');
    const s = uploadSchedule(plan, phase);
    expect(s.size).toBe(20); // ~30 selected, 4/s for 5 s
    expect([...s.values()].sort((x, y) => x - y).slice(0, 3)).toEqual([0, 250, 500]);
    expect([...s.keys()].every((g) => g < 100)).toBe(true); // never the plain fleet
    expect(uploadSchedule(plan, phase)).toEqual(s);
  });

  it('bad sizes and protocols are clear errors with their place in the file', () => {
    const problems = (text: string): string => {
      try {
        compileScenarioText(text, 'x.yaml');
      } catch (err) {
        if (err instanceof ScenarioError) return formatDiagnostics(err.diagnostics);
        throw err;
      }
      throw new Error('compiled');
    };
    expect(problems(scenario('{ kind: file-upload, rate: 1/s, size: 12 parsecs, duration: 1s }'))).toMatch(/x\.yaml:9:.*phases\[1\]\.size.*expected a size such as 64KiB/s);
    expect(problems(scenario('{ kind: file-upload, rate: 1/s, size: 1000MiB, duration: 1s }'))).toMatch(/phases\[1\]\.size.*expected 1 byte to 256MiB/s);
    expect(problems(scenario('{ kind: file-upload, rate: 1/s, size: 1MiB, duration: 1s }', '{ dialect: iothub, iothub: { protocol: amqp } }'))).toMatch(/protocol.*mqtt.*https/s);
    expect(problems(scenario('{ kind: file-upload, rate: 1/s, size: 1KiB, duration: 1s, fleets: [plain, b] }'))).toMatch(
      /phases\[1\]\.fleets\[0\].*fleet "plain" does not speak IoT Hub.*phases\[1\]\.fleets\[1\].*unknown fleet "b"/s,
    );
    expect(problems(scenario('{ kind: file-upload, rate: 1/s, size: 1KiB, duration: 1s }', '{ dialect: mqtt }'))).toMatch(/needs an IoT Hub fleet/);
  });
});
