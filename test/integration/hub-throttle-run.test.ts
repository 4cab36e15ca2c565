import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPlan } from '../../src/engine/run.js';
import { parseIsoMicros } from '../../src/iothub/index.js';
import { createRunResult } from '../../src/metrics/result.js';
import { createStyle } from '../../src/report/style.js';
import { renderSummary } from '../../src/report/text.js';
import { compileScenarioText } from '../../src/scenario/index.js';

/** A webhook receiver on a free port: records every batch it is POSTed; fails the first `failFirst` requests with 503. */
function receiver(failFirst: number): Promise<{ server: Server; url: string; records: unknown[]; requests: () => number }> {
  const records: unknown[] = [];
  let requests = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests++;
      if (requests <= failFirst) {
        res.writeHead(503).end();
        return;
      }
      records.push(...(JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown[]));
      res.writeHead(204).end();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      resolve({ server, url: `http://127.0.0.1:${port}/hook`, records, requests: () => requests });
    }),
  );
}

let dir: string;
let hook: Awaited<ReturnType<typeof receiver>>;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fleetsim-throttle-'));
  hook = await receiver(2);
});
afterAll(() => {
  hook.server.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Line {
  deviceId: string;
  enqueuedTime: string;
  properties: Record<string, string>;
  bodyEncoding: string;
  body: { deviceId: string; seq: number; ts: number };
}

describe('a run on the embedded hub with hub: { tier: F1 } (real sockets, worker threads)', () => {
  it('400 D2C/s on F1 (100/s): shaping then throttling, counted in the hub section apart from errors; telemetry streamed', async () => {
    const stream = join(dir, 'telemetry.ndjson');
    const plan = compileScenarioText(
      `
version: 1
name: f1-throttling
seed: 3
hub: { tier: F1, shapingQueue: 1s, stream: ${JSON.stringify(stream)}, webhook: ${JSON.stringify(hook.url)} }
fleets:
  - { id: hub, model: thermostat, count: 20, telemetry: { every: 50ms }, transport: { dialect: iothub } }
phases:
  - { kind: connect, rate: 200/s, settle: 100ms }
  - { kind: steady, duration: 3s }
  - { kind: drain, timeout: 2s }
`,
      'f1.yaml',
    );
    const out = await runPlan(plan, { workers: 1 });
    const t = out.hub?.throttling;
    expect(t).toMatchObject({ tier: 'F1', units: 1, queueSeconds: 1 });
    expect(t?.classes.d2c.accepted).toBeGreaterThanOrEqual(100);
    expect(t?.classes.d2c.shaped).toBeGreaterThan(50);
    expect(t?.classes.d2c.throttled).toBeGreaterThan(0);
    expect(t?.droppedConnections.throttle).toBeGreaterThan(0);
    // What the hub routed = admitted at once + shaped − shaped ones whose connection closed while they waited.
    expect(out.hub?.telemetryAccepted).toBe((t?.classes.d2c.accepted ?? 0) + (t?.classes.d2c.shaped ?? 0) - (t?.shapedDiscarded ?? 0));
    expect(out.summary.reconciliation.ok).toBe(true);

    const text = renderSummary(createRunResult({ ...out, exitCode: 0 }), createStyle(false));
    const section = text.slice(text.indexOf('hub throttling'));
    expect(section).toMatch(/hub throttling {2}F1 × 1 unit/);
    expect(section).toMatch(new RegExp(`d2c +${t?.classes.d2c.accepted} +${t?.classes.d2c.shaped} +${t?.classes.d2c.throttled} `));
    expect(text.indexOf('hub throttling')).toBeGreaterThan(text.indexOf('errors'));
    expect(text).toMatch(/telemetry\.device_to_hub +\d/);
    expect(text).toMatch(/telemetry\.hub_to_consumer +\d/);

    // Every accepted message is one NDJSON line and one webhook record, with the hub's enqueued time.
    const accepted = out.hub?.telemetryAccepted ?? 0;
    expect(accepted).toBeGreaterThan(100);
    const lines = readFileSync(stream, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Line);
    expect(lines.length).toBe(accepted);
    expect(out.summary.total.counters['delivery.received']).toBe(accepted);
    for (const l of lines) {
      expect(l.bodyEncoding).toBe('json');
      expect(l.deviceId).toBe(l.body.deviceId);
      expect(l.properties['iothub-connection-device-id']).toBe(l.deviceId);
      expect(l.properties['iothub-enqueuedtime']).toBe(l.enqueuedTime);
      const enqueued = parseIsoMicros(l.enqueuedTime);
      expect(enqueued).toBeGreaterThanOrEqual(l.body.ts - 1); // accepted after it was sent (same host clock)
      expect(enqueued - l.body.ts).toBeLessThan(3000); // shaping delays at most the 1 s queue, plus scheduling
    }
    expect(out.hub?.telemetryStream?.ndjson).toMatchObject({ written: accepted, dropped: 0 });
    // The receiver failed the first two POSTs: those batches were retried, nothing dropped.
    expect(out.hub?.telemetryStream?.webhook).toMatchObject({ delivered: accepted, dropped: { queueFull: 0, failed: 0 } });
    expect(out.hub?.telemetryStream?.webhook?.retries).toBeGreaterThanOrEqual(2);
    expect(hook.records.length).toBe(accepted);
    expect(text).toMatch(new RegExp(`webhook ${hook.url}: delivered ${accepted.toLocaleString('en-US')}`));
  }, 120_000);

  it('S1 twin updates over 50/s from a twin-update phase: 429s count as twin.throttled, not twin.failed nor errors', async () => {
    const out = await runPlan(
      compileScenarioText(
        `
version: 1
name: s1-twin
seed: 4
hub: { tier: S1, shapingQueue: 200ms }
fleets:
  - { id: hub, model: thermostat, count: 200, telemetry: { every: 10s }, transport: { dialect: iothub } }
phases:
  - { kind: connect, rate: 95/s, settle: 200ms }
  - { kind: twin-update, desired: { telemetryInterval: 2 }, fraction: 1, rate: 1000/s, duration: 300ms }
  - { kind: drain, timeout: 2s }
`,
        's1-twin.yaml',
      ),
      { workers: 1 },
    );
    const c = out.summary.total.counters;
    const t = out.hub?.throttling?.classes.twinUpdates;
    expect(c['twin.updates']).toBe(200);
    // 200 PATCHes in 200 ms against 50/s with a burst of 50 and a 200 ms queue (10 more): however late the calls
    // reach the hub on a loaded machine (up to 2 s), some are refused.
    expect(c['twin.throttled']).toBeGreaterThan(0);
    expect(c['twin.failed']).toBe(0);
    expect(t?.throttled).toBeGreaterThanOrEqual(c['twin.throttled']); // devices' reported patches may be refused too
    expect(Object.keys(out.summary.total.errors).filter((k) => k.startsWith('twin'))).toEqual([]);
    const text = renderSummary(createRunResult({ ...out, exitCode: 0 }), createStyle(false));
    expect(text).toMatch(new RegExp(`twin +updates 200 +failed 0 +throttled ${c['twin.throttled']}`));
  }, 120_000);
});
