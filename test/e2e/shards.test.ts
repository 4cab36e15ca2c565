/**
 * `fleetsim run --shard i/N` on one broker, both shards started together with --start-at, merged by `fleetsim report`:
 * each shard's observer counts only its own devices (the other shard's telemetry reaches it too), and the merged
 * result is the whole fleet, nothing lost.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetsim } from '../support/cli.js';
import { type MosquittoInstance, mosquittoBinaryOrSkip, startMosquitto } from '../support/mosquitto.js';

const bin = mosquittoBinaryOrSkip('--shard e2e (its own Mosquitto)');

interface Result {
  devices: number;
  summary: { total: { counters: Record<string, number> } };
}

describe.skipIf(bin === undefined)('fleetsim run --shard i/N', () => {
  let broker: MosquittoInstance;
  const dir = mkdtempSync(join(tmpdir(), 'fleetsim-shards-'));
  beforeAll(async () => {
    broker = await startMosquitto(bin as string);
  });
  afterAll(async () => {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs each half against one broker and merges into the whole fleet', { timeout: 60_000 }, async () => {
    const scenario = join(dir, 'shards.yaml');
    writeFileSync(
      scenario,
      `version: 1
name: shards
fleets:
  - { id: a, model: thermostat, count: 101, transport: { qos: 1, topic: "shards-${process.pid}/{deviceId}" }, telemetry: { every: 1s } }
phases:
  - { kind: connect, rate: 200/s }
  - { kind: steady, duration: 3s }
`,
    );
    const startAt = new Date(Date.now() + 4000).toISOString();
    const run = (i: number) => fleetsim(['run', scenario, '--target', broker.url, '--shard', `${i}/2`, '--start-at', startAt, '--out', join(dir, `s${i}`)]);
    const [a, b] = await Promise.all([run(1), run(2)]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(a.stderr).toContain('50 devices of 101 (shard 1/2)');
    expect(b.stderr).toContain('51 devices of 101 (shard 2/2)');

    const files = [1, 2].map((i) => join(dir, `s${i}`, readdirSync(join(dir, `s${i}`))[0] as string));
    const parts = await Promise.all(files.map(async (f) => JSON.parse((await fleetsim(['report', f, '--json'])).stdout) as Result));
    for (const [i, part] of parts.entries()) {
      const c = part.summary.total.counters;
      expect(part.devices).toBe(i === 0 ? 50 : 51);
      expect(c['connect.ok']).toBe(part.devices);
      // Its own devices' telemetry only: the other shard's messages on the same topics are not counted.
      expect(c['delivery.received']).toBe(c['telemetry.acked']);
      expect(c['delivery.lost']).toBe(0);
    }
    const merged = await fleetsim(['report', ...files, '--json']);
    expect(merged.code, merged.stderr).toBe(0);
    const m = JSON.parse(merged.stdout) as Result;
    expect(m.devices).toBe(101);
    expect(m.summary.total.counters['connect.ok']).toBe(101);
    expect(m.summary.total.counters['telemetry.sent']).toBe(parts.reduce((n, p) => n + (p.summary.total.counters['telemetry.sent'] ?? 0), 0));
    expect(m.summary.total.counters['delivery.lost']).toBe(0);
  });
});
