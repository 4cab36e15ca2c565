import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPlan } from '../../src/engine/run.js';
import { type EmbeddedHub, startEmbeddedHub } from '../../src/hub/embedded.js';
import { loadScenarioFile } from '../../src/scenario/index.js';

const dir = mkdtempSync(join(tmpdir(), 'fleetsim-schemes-'));
let hub: EmbeddedHub;

beforeAll(async () => {
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
  ], { stdio: 'ignore' });
  const tls = { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  hub = await startEmbeddedHub([
    { scheme: 'mqtt', host: '127.0.0.1', port: 0 },
    { scheme: 'ws', host: '127.0.0.1', port: 0 },
    { scheme: 'mqtts', host: '127.0.0.1', port: 0, tls },
    { scheme: 'wss', host: '127.0.0.1', port: 0, tls },
  ]);
});

afterAll(async () => {
  await hub?.stop();
});

function scenarioFile(scheme: string, secure: boolean): string {
  const file = join(dir, `${scheme}.yaml`);
  writeFileSync(
    file,
    `version: 1
name: ${scheme}
fleets:
  - id: ${scheme}
    model: thermostat
    count: 10
    telemetry: { every: 200ms }
${secure ? '    transport: { tls: { ca: cert.pem } }\n' : ''}phases:
  - { kind: connect, rate: 100/s, settle: 200ms }
  - { kind: steady, duration: 1s }
  - { kind: drain, timeout: 2s }
`,
  );
  return file;
}

describe('every target scheme: mqtt, ws, mqtts, wss (the hub serves all four)', () => {
  for (const scheme of ['mqtt', 'ws', 'mqtts', 'wss'] as const) {
    it(`${scheme}://: devices connect, publish, and the observer receives every acked message`, async () => {
      const url = hub.listening.find((l) => l.scheme === scheme)?.url as string;
      const plan = await loadScenarioFile(scenarioFile(scheme, scheme === 'mqtts' || scheme === 'wss'), { target: url });
      const out = await runPlan(plan, { workers: 1 });
      const c = out.summary.total.counters;
      expect(out.url).toBe(url);
      expect(c['connect.ok']).toBe(10);
      expect(c['telemetry.acked']).toBeGreaterThan(20);
      expect(out.summary.reconciliation.ok).toBe(true);
      expect(c['delivery.received']).toBe(c['telemetry.acked']);
      expect(c['delivery.lost']).toBe(0);
    });
  }

  it('mqtts:// without trusting the CA: the target is refused with a certificate error', async () => {
    const url = hub.listening.find((l) => l.scheme === 'mqtts')?.url as string;
    const plan = await loadScenarioFile(scenarioFile('untrusted', false), { target: url });
    await expect(runPlan(plan, { workers: 1 })).rejects.toThrow(/SELF_SIGNED|certificate/i);
  });
});
