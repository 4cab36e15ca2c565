/**
 * Correctness at scale, at a size CI affords: 30,000 devices (FLEETSIM_SCALE_DEVICES overrides it) in 2 shard
 * processes, fanned out over 2 Mosquitto instances of the test's own and 4 source addresses, each device sending a
 * few QoS 1 messages; the run's figures are reconciled with an independent subscriber on both brokers.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MqttClient, mqtt } from '../../src/transports/mqtt/lib.js';
import { fleetsim } from '../support/cli.js';
import { type MosquittoInstance, mosquittoBinaryOrSkip, startMosquitto } from '../support/mosquitto.js';

const DEVICES = Number(process.env.FLEETSIM_SCALE_DEVICES ?? 30_000);
const PREFIX = `fleetsim-scale-${process.pid}`;
const bin = mosquittoBinaryOrSkip('scale test (2 Mosquitto instances, 2 processes)');

/** Counts, per broker, every (device, sequence) it delivered: the test's own view, independent of fleetsim's observer. */
class Counter {
  readonly seen = new Map<string, Set<number>>();
  readonly perBroker: Map<string, Set<string>>[] = [];
  duplicates = 0;
  private readonly clients: MqttClient[] = [];

  async connect(urls: readonly string[]): Promise<void> {
    for (const url of urls) {
      const devices = new Set<string>();
      this.perBroker.push(new Map([[url, devices]]));
      const client = mqtt.connect(url, { clientId: `scale-counter-${process.pid}-${this.clients.length}`, reconnectPeriod: 0, clean: true });
      this.clients.push(client);
      await new Promise<void>((resolve, reject) => {
        client.once('error', reject);
        client.once('connect', () => client.subscribe(`${PREFIX}/#`, { qos: 1 }, (err) => (err ? reject(err) : resolve())));
      });
      client.on('message', (_topic, payload) => {
        const { deviceId, seq } = JSON.parse(payload.toString('utf8')) as { deviceId: string; seq: number };
        devices.add(deviceId);
        let seqs = this.seen.get(deviceId);
        if (seqs === undefined) this.seen.set(deviceId, (seqs = new Set()));
        if (seqs.has(seq)) this.duplicates++;
        seqs.add(seq);
      });
    }
  }

  get messages(): number {
    let n = 0;
    for (const s of this.seen.values()) n += s.size;
    return n;
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => new Promise<void>((r) => c.end(false, {}, () => r()))));
  }
}

describe.skipIf(bin === undefined)(`scale: ${DEVICES.toLocaleString('en-US')} devices, 2 processes, 2 brokers`, () => {
  const brokers: MosquittoInstance[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'fleetsim-scale-'));

  beforeAll(async () => {
    brokers.push(await startMosquitto(bin as string), await startMosquitto(bin as string));
  });
  afterAll(async () => {
    await Promise.all(brokers.map((b) => b.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('sent = acked = received, every device seen, zero lost', { timeout: 150_000 }, async () => {
    const scenario = join(dir, 'scale.yaml');
    // Connect at 2,000/s; every device sends every 15 s from a random offset, so at least once in the steady phase. A
    // shared CI machine may be slow: generous connect timeout, quick retries (a device counted once it is connected).
    writeFileSync(
      scenario,
      `version: 1
name: scale
seed: 6
fleets:
  - id: s
    model: thermostat
    count: ${DEVICES}
    idPattern: "dev-{index:06}"
    transport: { qos: 1, topic: "${PREFIX}/{deviceId}", connectTimeout: 30s }
    telemetry: { every: 15s, jitter: 0s }
    reconnect: { base: 500ms, cap: 5s }
phases:
  - { kind: connect, rate: 2000/s, settle: 2s }
  - { kind: steady, duration: 20s }
  - { kind: drain, timeout: 15s }
`,
    );
    const urls = brokers.map((b) => b.url);
    const counter = new Counter();
    await counter.connect(urls);
    const out = join(dir, 'out');
    const run = await fleetsim(['run', scenario, '--target', urls.join(','), '--processes', '2', '--source-addresses', '127.0.0.1-127.0.0.4', '--out', out]);
    expect(run.stderr).toContain('2 shard processes');
    expect(run.code, run.stderr).not.toBe(1);
    const file = readdirSync(out).find((f) => f.endsWith('.json'));
    const result = JSON.parse(readFileSync(join(out, file as string), 'utf8')) as {
      devices: number;
      summary: { total: { counters: Record<string, number>; errors: Record<string, number> } };
    };
    const errors = JSON.stringify(result.summary.total.errors);
    const c = result.summary.total.counters;
    // Let the independent subscriber's stragglers in (at most 30 s: Mosquitto queues them all), then a moment more.
    for (let waited = 0; waited < 30_000 && counter.messages < (c['telemetry.acked'] ?? 0); waited += 100) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 300));
    await counter.close();
    expect(result.devices).toBe(DEVICES);
    expect(c['connect.ok'], `${errors}\n${run.stderr}`).toBeGreaterThanOrEqual(DEVICES);
    expect(c['telemetry.sent']).toBeGreaterThanOrEqual(DEVICES);
    expect(c['telemetry.acked']).toBe(c['telemetry.sent']);
    expect(c['telemetry.failed'], errors).toBe(0);
    expect(c['delivery.lost']).toBe(0);
    expect(c['delivery.received']).toBe(c['telemetry.acked']);
    // The independent count: every acked message arrived once, from every device, half the devices on each broker.
    expect(counter.messages).toBe(c['telemetry.acked']);
    expect(counter.duplicates).toBe(0);
    expect(counter.seen.size).toBe(DEVICES);
    const perBroker = counter.perBroker.map((m) => [...m.values()][0]?.size);
    expect(perBroker).toEqual([Math.ceil(DEVICES / 2), Math.floor(DEVICES / 2)]);
  });
});
