import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { runPlan } from '../../src/engine/run.js';
import { runVirtual } from '../../src/engine/virtual-run.js';
import { loadScenarioFile } from '../../src/scenario/index.js';
import { useEmbeddedHub } from '../support/brokers.js';

const hub = useEmbeddedHub();
const dir = mkdtempSync(join(tmpdir(), 'fleetsim-custom-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const MODELS = resolve('scenarios/models');

// A composed model file, a model composed inline, and a TypeScript module: each must load inside worker threads too.
const SCENARIO = `
version: 1
name: custom-models
seed: 4
models:
  mast:
    blocks: { wind: { kind: random-walk, unit: m/s, params: { mean: 4, sd: 2, tauMinutes: 30 } } }
    channels: { wind: { from: wind.value, decimals: 1 } }
fleets:
  - { id: probe, model: ${MODELS}/greenhouse.model.yaml, count: 6, telemetry: { every: 100ms } }
  - { id: mast, model: mast, count: 4, telemetry: { every: 100ms } }
  - { id: pv, model: ${MODELS}/solar-panel.ts, count: 4, telemetry: { every: 100ms } }
phases:
  - { kind: connect, rate: 100/s, settle: 100ms }
  - { kind: steady, duration: 1s }
  - { kind: drain, timeout: 2s }
`;

async function plan(clock?: 'virtual') {
  const path = join(dir, 'custom.yaml');
  writeFileSync(path, SCENARIO);
  return loadScenarioFile(path, clock === undefined ? { target: hub.url } : { clock });
}

describe('composed and TypeScript models across worker threads', () => {
  it('live: every fleet connects and publishes, and every count reconciles', async () => {
    const out = await runPlan(await plan(), { workers: 2 });
    const c = out.summary.total.counters;
    expect(c['connect.ok']).toBe(14);
    expect(c['telemetry.acked']).toBeGreaterThan(14 * 5);
    expect(out.summary.reconciliation.ok).toBe(true);
    expect(c['delivery.lost']).toBe(0);
  });

  it('virtual: the channels of each model, byte-identical with 1 and 3 workers', async () => {
    const text = async (workers: number): Promise<string> => {
      const stream = new PassThrough();
      const chunks: Buffer[] = [];
      stream.on('data', (b: Buffer) => chunks.push(b));
      await runVirtual(await plan('virtual'), { workers, sink: { kind: 'stream', stream, name: 'memory' } });
      return Buffer.concat(chunks).toString('utf8');
    };
    const one = await text(1);
    expect(await text(3)).toBe(one);
    const first = (prefix: string) => JSON.parse(one.split('\n').find((l) => l.includes(`"deviceId":"${prefix}-`)) ?? '{}') as Record<string, unknown>;
    expect(Object.keys(first('probe'))).toEqual(['deviceId', 'seq', 'ts', 'temperature', 'humidity', 'moisture', 'light', 'heating', 'batteryVoltage']);
    expect(Object.keys(first('mast'))).toEqual(['deviceId', 'seq', 'ts', 'wind']);
    expect(Object.keys(first('pv'))).toEqual(['deviceId', 'seq', 'ts', 'powerKw', 'energyKwh', 'cloud']);
  });
});
