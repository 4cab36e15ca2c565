import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runVirtual } from '../../src/engine/virtual-run.js';
import { loadScenarioFile } from '../../src/scenario/index.js';

async function ndjson(workers: number, seed?: string): Promise<{ text: string; samples: number }> {
  const plan = await loadScenarioFile('scenarios/quickstart.yaml', { clock: 'virtual', seed });
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  const out = await runVirtual(plan, { workers, sink: { kind: 'stream', stream, name: 'memory' } });
  return { text: Buffer.concat(chunks).toString('utf8'), samples: out.samples };
}

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('virtual time across worker threads', () => {
  it('the same scenario and seed give byte-identical NDJSON with 1 worker and with 4', async () => {
    const one = await ndjson(1);
    const four = await ndjson(4);
    expect(one.samples).toBeGreaterThan(20_000);
    expect(one.text.split('\n').length - 1).toBe(one.samples);
    expect(sha(four.text)).toBe(sha(one.text));
  });

  it('another seed gives other values', async () => {
    const a = await ndjson(2);
    const b = await ndjson(2, '2');
    expect(sha(b.text)).not.toBe(sha(a.text));
  });

  it('counting only (no sink) simulates the same number of samples', async () => {
    const plan = await loadScenarioFile('scenarios/quickstart.yaml', { clock: 'virtual' });
    const out = await runVirtual(plan, { workers: 2, sink: { kind: 'none' } });
    expect(out.samples).toBe((await ndjson(1)).samples);
    expect(out.bytes).toBe(0);
    expect(out.heapPerDeviceBytes).toBeGreaterThan(0);
  });
});
