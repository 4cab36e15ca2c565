import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { FleetsimError } from '../../src/core/errors.js';
import { readFileSync } from 'node:fs';
import { arrivalSpanMs, compileScenarioText, type RunPlan } from '../../src/scenario/index.js';

const VALID = 'test/fixtures/scenarios/valid';
/** As loadScenarioFile does, synchronously (these scenarios name no module models). */
const loadScenarioFile = (path: string): RunPlan => compileScenarioText(readFileSync(path, 'utf8'), path);

function isDeepFrozen(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return true;
  return Object.isFrozen(value) && Object.values(value).every(isDeepFrozen);
}

describe('compile: defaults', () => {
  const plan = loadScenarioFile(`${VALID}/minimal.yaml`);

  it('fills in the run-level defaults', () => {
    expect(plan).toMatchObject({
      version: 1,
      name: 'minimal',
      seed: '1',
      source: `${VALID}/minimal.yaml`,
      target: { kind: 'embedded' },
      totalDevices: 10,
      thresholds: [],
      report: { outDir: null, lateThresholdMs: 100, saturationMs: 100 },
    });
  });

  it('fills in the fleet defaults', () => {
    expect(plan.fleets).toEqual([
      {
        id: 'rooms',
        model: 'thermostat',
        params: { setpoint: 21, drift: 0.05, pull: 0.02 },
        count: 10,
        firstIndex: 0,
        idPattern: '{fleet}-{index:06}',
        transport: {
          dialect: 'mqtt',
          client: 'lean',
          iothub: undefined,
          protocolVersion: 4,
          qos: 1,
          keepaliveS: 60,
          cleanSession: true,
          topic: 'fleetsim/{fleet}/{deviceId}/telemetry',
          connectTimeoutMs: 10_000,
          username: undefined,
          password: undefined,
          tls: undefined,
        },
        telemetry: { everyMs: 10_000, jitterMs: 0, format: 'json', bufferSize: 0 },
        reconnect: { baseMs: 1000, capMs: 30_000, maxAttempts: null },
        modelRef: { kind: 'builtin', name: 'thermostat' },
        mcu: { bootMs: 0, clockDriftPpm: 0, clockSyncMs: 0, watchdogResetsPerDay: 0, sleep: 'none', connectEvery: 1 },
        sensors: {},
      },
    ]);
  });

  it('lays out the timeline and appends a 5s drain', () => {
    // 10 devices at 10/s: the last arrives at 0.9s; settle defaults to 2s.
    expect(plan.phases).toEqual([
      {
        kind: 'connect',
        name: 'connect',
        index: 0,
        startMs: 0,
        durationMs: 2900,
        fleets: ['rooms'],
        fromPerS: 10,
        toPerS: 10,
        devices: 10,
        arrivalSpanMs: 900,
        settleMs: 2000,
      },
      { kind: 'steady', name: 'steady', index: 1, startMs: 2900, durationMs: 5000 },
      { kind: 'drain', name: 'drain', index: 2, startMs: 7900, durationMs: 5000, timeoutMs: 5000 },
    ]);
    expect(plan.totalDurationMs).toBe(12_900);
  });

  it('is deep-frozen plain data that survives structured clone', () => {
    expect(isDeepFrozen(plan)).toBe(true);
    expect(structuredClone(plan)).toEqual(plan);
  });
});

describe('compile: every option', () => {
  const plan: RunPlan = loadScenarioFile(`${VALID}/full.yaml`);

  it('keeps run-level settings', () => {
    expect(plan).toMatchObject({
      name: 'full',
      seed: '42',
      target: { kind: 'url', url: 'mqtts://broker.example.com:8883' },
      totalDevices: 400,
      report: { outDir: 'results', lateThresholdMs: 50, saturationMs: 200 },
    });
  });

  it('compiles transport, telemetry and reconnect, resolving TLS paths against the scenario folder', () => {
    const [meters, rooms] = plan.fleets;
    expect(meters).toMatchObject({
      params: { setpoint: 19.5, drift: 0.1, pull: 0.02 },
      firstIndex: 0,
      idPattern: 'meter-{index:04}',
      transport: {
        protocolVersion: 5,
        qos: 0,
        keepaliveS: 30,
        cleanSession: false,
        topic: 'site/{fleet}/{deviceId}/up',
        connectTimeoutMs: 5000,
        username: 'fleet',
        password: 'secret',
        tls: { caFile: resolve(VALID, 'ca.pem'), certFile: undefined, keyFile: undefined, rejectUnauthorized: false, servername: 'broker.local' },
      },
      telemetry: { everyMs: 500, jitterMs: 50, format: 'json', bufferSize: 0 },
      reconnect: { baseMs: 200, capMs: 5000, maxAttempts: 3 },
    });
    expect(rooms?.firstIndex).toBe(300);
  });

  it('names phases, assigns fleets to connect phases and chains startMs', () => {
    expect(plan.phases.map((p) => p.name)).toEqual(['meters-in', 'connect-2', 'steady', 'spike', 'steady-2', 'disconnect-storm', 'drain']);
    const [first, second] = plan.phases;
    expect(first).toMatchObject({ fleets: ['meters'], devices: 300, fromPerS: 100, toPerS: 200, settleMs: 1000 });
    expect(second).toMatchObject({ fleets: ['rooms'], devices: 100, fromPerS: 50, toPerS: 50, arrivalSpanMs: 1980 });
    if (first?.kind !== 'connect') throw new Error('expected a connect phase');
    expect(first.arrivalSpanMs).toBeCloseTo(arrivalSpanMs(300, 100, 200), 9);
    expect(first.durationMs).toBe(first.arrivalSpanMs + 1000);
    let start = 0;
    for (const p of plan.phases) {
      expect(p.startMs).toBe(start);
      start += p.durationMs;
    }
    expect(plan.totalDurationMs).toBe(start);
    expect(plan.phases[3]).toMatchObject({ kind: 'spike', multiplier: 4, durationMs: 5000 });
    expect(plan.phases[5]).toMatchObject({ kind: 'disconnect-storm', fraction: 0.5, spreadMs: 1000, durationMs: 3000 });
    expect(plan.phases[6]).toMatchObject({ kind: 'drain', timeoutMs: 2000, durationMs: 2000 });
  });

  it('groups threshold expressions by key and abort settings, converting values to base units', () => {
    expect(plan.thresholds).toEqual([
      {
        metric: 'telemetry.latency',
        phase: null,
        key: 'telemetry.latency',
        abortOnFail: false,
        delayAbortEvalMs: 0,
        expressions: [{ source: 'p(99) < 250ms', aggregation: { kind: 'p', percentile: 99 }, op: '<', value: 250_000 }],
      },
      {
        metric: 'telemetry.latency',
        phase: null,
        key: 'telemetry.latency',
        abortOnFail: true,
        delayAbortEvalMs: 10_000,
        expressions: [{ source: 'max < 2s', aggregation: { kind: 'max' }, op: '<', value: 2_000_000 }],
      },
      {
        metric: 'connect.success',
        phase: 'meters-in',
        key: 'connect.success{phase:meters-in}',
        abortOnFail: false,
        delayAbortEvalMs: 0,
        expressions: [{ source: 'rate > 0.99', aggregation: { kind: 'rate' }, op: '>', value: 0.99 }],
      },
      {
        metric: 'telemetry.success',
        phase: 'steady-2',
        key: 'telemetry.success{phase:steady-2}',
        abortOnFail: false,
        delayAbortEvalMs: 0,
        expressions: [{ source: 'rate >= 0.999', aggregation: { kind: 'rate' }, op: '>=', value: 0.999 }],
      },
    ]);
  });
});

const BASE = `
version: 1
seed: 7
fleets:
  - { id: a, model: thermostat, count: 4 }
phases:
  - { kind: connect, rate: 4/s, settle: 0s }
`;

describe('compile: details', () => {
  it('turns an integer seed into a string; flags win over the file', () => {
    expect(compileScenarioText(BASE, 'x.yaml').seed).toBe('7');
    const plan = compileScenarioText(BASE, 'x.yaml', { seed: 'abc', target: 'mqtt://127.0.0.1:1883' });
    expect(plan.seed).toBe('abc');
    expect(plan.target).toEqual({ kind: 'url', url: 'mqtt://127.0.0.1:1883' });
    expect(compileScenarioText(`${BASE}target: ws://h:80/mqtt\n`, 'x.yaml', { target: 'embedded' }).target).toEqual({ kind: 'embedded' });
  });

  it('refuses a --target that is neither embedded nor an mqtt/mqtts/ws/wss URL, naming the flag', () => {
    for (const target of ['tcp://localhost:1883', 'localhost:1883', '']) {
      let caught: unknown;
      try {
        compileScenarioText(BASE, 'x.yaml', { target });
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(FleetsimError);
      expect((caught as FleetsimError).code).toBe('FLEETSIM_E_USAGE');
      expect((caught as FleetsimError).message).toMatch(/^--target: expected "embedded" or a URL/);
    }
    expect(() => compileScenarioText(BASE, 'x.yaml', { target: 'localhost:1883' })).toThrow(
      expect.objectContaining({ hint: 'write mqtt://localhost:1883' }),
    );
  });

  it('a connect phase with a ramp spans the time the rate integral takes to reach the devices', () => {
    const plan = compileScenarioText(BASE.replace('rate: 4/s', 'rate: { from: 1/s, to: 3/s }'), 'x.yaml');
    expect(plan.phases[0]).toMatchObject({ fromPerS: 1, toPerS: 3, devices: 4, arrivalSpanMs: arrivalSpanMs(4, 1, 3) });
  });

  it('connect phases only bring in fleets not connected yet', () => {
    const text = `
version: 1
fleets:
  - { id: a, model: thermostat, count: 2 }
  - { id: b, model: thermostat, count: 3 }
  - { id: c, model: thermostat, count: 5 }
phases:
  - { kind: connect, rate: 10/s, fleets: [b] }
  - { kind: steady, duration: 1s }
  - { kind: connect, rate: 10/s }
  - { kind: drain, name: wind-down }
`;
    const plan = compileScenarioText(text, 'x.yaml');
    expect(plan.phases.map((p) => (p.kind === 'connect' ? [p.name, p.fleets, p.devices] : p.name))).toEqual([
      ['connect', ['b'], 3],
      'steady',
      ['connect-2', ['a', 'c'], 7],
      'wind-down',
    ]);
    expect(plan.phases.at(-1)).toMatchObject({ kind: 'drain', timeoutMs: 10_000 });
  });

  it('reports a connect phase with nothing left to connect', () => {
    const text = `${BASE}  - { kind: connect, rate: 1/s }\n`;
    expect(() => compileScenarioText(text, 'x.yaml')).toThrow(
      expect.objectContaining({
        diagnostics: [expect.objectContaining({ line: 8, col: 13, message: 'every device in every fleet is already connected by phase connect' })],
      }),
    );
  });

  it('never throws anything but ScenarioError for malformed documents', () => {
    for (const text of ['', '- 1\n', 'just a string', 'version: 1\nfleets: {}\nphases: 3\n', 'a: *nope\n', 'a: !tag 1\n']) {
      expect(() => compileScenarioText(text, 'x.yaml')).toThrow(expect.objectContaining({ code: 'FLEETSIM_E_SCENARIO' }));
    }
  });
});
