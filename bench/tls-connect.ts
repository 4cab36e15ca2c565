/**
 * Connect cost of TLS on the embedded hub: N MQTT 3.1.1 clients connect (CONNECT → CONNACK, then stay connected) with
 * a bounded number of handshakes in flight, over plain MQTT and over MQTT/TLS (ECDSA P-256 server certificate from the
 * hub's data-directory CA, TLS 1.3), in alternating rounds. Prints, per scheme: wall time, connects per second, and CPU
 * milliseconds per connection of this process (clients + the hub's worker thread), which is robust to a busy machine.
 *
 *   node --import tsx bench/tls-connect.ts [devices=2000] [inFlight=100] [rounds=2]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedHub } from '../src/hub/embedded.js';
import { ensureHubPki } from '../src/hub/pki.js';
import { type MqttClient, mqtt } from '../src/transports/mqtt/lib.js';

const N = Number(process.argv[2] ?? 2000);
const IN_FLIGHT = Number(process.argv[3] ?? 100);
const ROUNDS = Number(process.argv[4] ?? 2);

const dir = mkdtempSync(join(tmpdir(), 'fleetsim-bench-tls-'));
const pki = await ensureHubPki(dir, []);
const hub = await startEmbeddedHub([
  { scheme: 'mqtt', host: '127.0.0.1', port: 0 },
  { scheme: 'mqtts', host: '127.0.0.1', port: 0, tls: pki.server },
]);
const url = (scheme: string): string => hub.listening.find((l) => l.scheme === scheme)?.url as string;

async function round(scheme: 'mqtt' | 'mqtts'): Promise<{ scheme: string; wallMs: number; perS: number; cpuMsPerConn: number; failed: number }> {
  const clients: MqttClient[] = [];
  let next = 0;
  let failed = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const one = (i: number): Promise<void> =>
    new Promise((resolve) => {
      const c = mqtt.connect(url(scheme), { clientId: `bench-${scheme}-${i}`, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 60_000, ca: pki.ca.cert, keepalive: 0 });
      c.once('connect', () => {
        clients.push(c);
        resolve();
      });
      c.once('error', () => {
        failed++;
        c.end(true);
        resolve();
      });
    });
  const worker = async (): Promise<void> => {
    while (next < N) await one(next++);
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await Promise.all(clients.map((c) => new Promise<void>((r) => c.end(true, {}, () => r()))));
  await new Promise((r) => setTimeout(r, 500));
  return { scheme, wallMs: Math.round(wallMs), perS: Math.round((N / wallMs) * 1000), cpuMsPerConn: Number(((cpu.user + cpu.system) / 1000 / N).toFixed(2)), failed };
}

const rows = [];
const loadBefore = loadavg()[0];
for (let r = 0; r < ROUNDS; r++) for (const s of ['mqtt', 'mqtts'] as const) rows.push(await round(s));
console.log(JSON.stringify({ bench: 'tls-connect', devices: N, inFlight: IN_FLIGHT, loadavg: { before: loadBefore, after: loadavg()[0] }, rows }, null, 1));
await hub.stop();
rmSync(dir, { recursive: true, force: true });
