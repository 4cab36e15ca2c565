import { describe, expect, it } from 'vitest';
import { FleetsimError } from '../../src/core/errors.js';
import { ScenarioError, compileScenarioText } from '../../src/scenario/index.js';
import { endpointOf, parseAddressPool } from '../../src/scenario/endpoints.js';

const scenario = (target: string): string => `version: 1
target: ${target}
fleets:
  - { id: a, model: thermostat, count: 4 }
phases:
  - { kind: connect, rate: 10/s }
`;

describe('source-address pools', () => {
  it('expands ranges, short ranges and lists in order', () => {
    expect(parseAddressPool('127.0.0.1-127.0.0.3')).toEqual({ ok: true, addresses: ['127.0.0.1', '127.0.0.2', '127.0.0.3'] });
    expect(parseAddressPool('127.0.0.254-127.0.1.1')).toEqual({ ok: true, addresses: ['127.0.0.254', '127.0.0.255', '127.0.1.0', '127.0.1.1'] });
    expect(parseAddressPool('10.0.0.9-10, ::1')).toEqual({ ok: true, addresses: ['10.0.0.9', '10.0.0.10', '::1'] });
  });

  it('refuses what is not a pool, with the fix', () => {
    for (const bad of ['', 'localhost', '127.0.0.5-127.0.0.1', '127.0.0.1,127.0.0.1', '127.0.0.1-999', '::1-::2']) {
      const r = parseAddressPool(bad);
      expect(r.ok, bad).toBe(false);
      if (!r.ok) expect(r.hint).toContain('127.0.0.1-127.0.0.16');
    }
  });
});

describe('endpointOf: device i → endpoint i mod E, address floor(i / E) mod S', () => {
  const target = { kind: 'url', url: 'mqtt://a:1', endpoints: ['mqtt://a:1', 'mqtt://b:2'], sourceAddresses: ['127.0.0.1', '127.0.0.2', '127.0.0.3'] } as const;

  it('spreads devices round-robin over endpoints, then over addresses', () => {
    const placed = [0, 1, 2, 3, 4, 5, 6].map((i) => endpointOf(target, i));
    expect(placed.map((p) => p?.url)).toEqual(['mqtt://a:1', 'mqtt://b:2', 'mqtt://a:1', 'mqtt://b:2', 'mqtt://a:1', 'mqtt://b:2', 'mqtt://a:1']);
    expect(placed.map((p) => p?.localAddress)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.2', '127.0.0.2', '127.0.0.3', '127.0.0.3', '127.0.0.1']);
  });

  it('leaves a plain single-URL run to the transport', () => {
    expect(endpointOf({ kind: 'url', url: 'mqtt://a:1' }, 5)).toBeUndefined();
    expect(endpointOf({ kind: 'embedded' }, 5)).toBeUndefined();
    expect(endpointOf({ kind: 'url', url: 'mqtt://a:1', sourceAddresses: ['127.0.0.9'] }, 5)).toEqual({ url: 'mqtt://a:1', localAddress: '127.0.0.9' });
  });
});

describe('target in the scenario and flags', () => {
  it('keeps the single-string form unchanged', () => {
    expect(compileScenarioText(scenario('mqtt://127.0.0.1:1883'), 's.yaml').target).toEqual({ kind: 'url', url: 'mqtt://127.0.0.1:1883' });
  });

  it('takes a list of URLs and the { endpoints, sourceAddresses } form', () => {
    expect(compileScenarioText(scenario('[mqtt://127.0.0.1:1884, mqtt://127.0.0.1:1885]'), 's.yaml').target).toEqual({
      kind: 'url',
      url: 'mqtt://127.0.0.1:1884',
      endpoints: ['mqtt://127.0.0.1:1884', 'mqtt://127.0.0.1:1885'],
    });
    const plan = compileScenarioText(scenario('{ endpoints: mqtt://127.0.0.1:1884, sourceAddresses: "127.0.0.1-2" }'), 's.yaml');
    expect(plan.target).toEqual({ kind: 'url', url: 'mqtt://127.0.0.1:1884', sourceAddresses: ['127.0.0.1', '127.0.0.2'] });
  });

  it('reports a bad pool or "embedded" among endpoints at its line', () => {
    const pool = () => compileScenarioText(scenario('{ endpoints: [mqtt://h:1], sourceAddresses: "127.0.0.9-127.0.0.1" }'), 's.yaml');
    expect(pool).toThrow(ScenarioError);
    try {
      pool();
    } catch (err) {
      expect((err as ScenarioError).diagnostics[0]).toMatchObject({ line: 2, path: 'target.sourceAddresses' });
      expect((err as ScenarioError).diagnostics[0]?.message).toContain('runs backwards');
    }
    try {
      compileScenarioText(scenario('[mqtt://h:1, embedded]'), 's.yaml');
      expect.fail('accepted "embedded" among endpoints');
    } catch (err) {
      expect((err as ScenarioError).diagnostics[0]).toMatchObject({ line: 2, path: 'target[1]', message: '"embedded" cannot be one of several endpoints' });
    }
  });

  it('--target takes comma-separated URLs and --source-addresses a pool; both win over the scenario', () => {
    const text = scenario('{ endpoints: mqtt://x:1, sourceAddresses: 127.0.0.1 }');
    const plan = compileScenarioText(text, 's.yaml', { target: 'mqtt://h:1,mqtt://h:2', sourceAddresses: '127.0.0.1-127.0.0.4' });
    expect(plan.target).toEqual({ kind: 'url', url: 'mqtt://h:1', endpoints: ['mqtt://h:1', 'mqtt://h:2'], sourceAddresses: ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'] });
    expect(compileScenarioText(text, 's.yaml', { target: 'mqtt://h:9' }).target).toEqual({ kind: 'url', url: 'mqtt://h:9', sourceAddresses: ['127.0.0.1'] });
    expect(() => compileScenarioText(text, 's.yaml', { target: 'mqtt://h:1,h:2' })).toThrow(FleetsimError);
    expect(() => compileScenarioText(text, 's.yaml', { sourceAddresses: 'nope' })).toThrow(/--source-addresses: "nope" is not an IP address/);
  });
});
