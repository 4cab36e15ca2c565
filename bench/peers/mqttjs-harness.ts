/**
 * The mqtt.js 5 peer: the harness a user of the `mqtt` package writes. One MqttClient per connection, connects paced
 * at the configured rate (a 10 ms tick), device i → broker i mod B (and source address ⌊i / B⌋ mod S), and per
 * client a setInterval that publishes the payload at the configured QoS. The open-file limit is per process, so above
 * PER_PROCESS connections this process forks one more of itself per slice (they are its children: measured together).
 *
 *   node --import tsx bench/peers/mqttjs-harness.ts '<HarnessConfig JSON>'
 */
import { fork } from 'node:child_process';
import { createConnection } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type MqttClient, mqtt } from '../../src/transports/mqtt/lib.js';

export interface HarnessConfig {
  readonly urls: readonly string[];
  readonly sourceAddresses: readonly string[];
  /** First device index and number of devices of this process. */
  readonly from: number;
  readonly count: number;
  readonly connectRate: number;
  readonly keepaliveS: number;
  readonly qos: 0 | 1;
  /** 0: idle. */
  readonly everyMs: number;
  readonly payloadBytes: number;
}

export const PER_PROCESS = 19_000;

function main(cfg: HarnessConfig): void {
  if (cfg.count > PER_PROCESS) {
    // Slices after the first run in child processes, each pacing its share of the rate.
    const slices = Math.ceil(cfg.count / PER_PROCESS);
    const share = (k: number): number => Math.min(PER_PROCESS, cfg.count - k * PER_PROCESS);
    for (let k = 1; k < slices; k++) {
      const child: HarnessConfig = { ...cfg, from: cfg.from + k * PER_PROCESS, count: share(k), connectRate: (cfg.connectRate * share(k)) / cfg.count };
      fork(fileURLToPath(import.meta.url), [JSON.stringify(child)], { execArgv: process.execArgv, stdio: 'inherit' });
    }
    cfg = { ...cfg, count: PER_PROCESS, connectRate: (cfg.connectRate * PER_PROCESS) / cfg.count };
  }
  const payload = Buffer.alloc(cfg.payloadBytes, 'x');
  const clients: MqttClient[] = [];
  let failed = 0;
  let next = 0;
  const started = performance.now();
  const tick = setInterval(() => {
    const due = Math.min(cfg.count, Math.floor(((performance.now() - started) / 1000) * cfg.connectRate) + 1);
    for (; next < due; next++) {
      const i = cfg.from + next;
      const url = cfg.urls[i % cfg.urls.length] as string;
      const local = cfg.sourceAddresses.length === 0 ? undefined : cfg.sourceAddresses[Math.floor(i / cfg.urls.length) % cfg.sourceAddresses.length];
      const id = `dev-${String(i).padStart(6, '0')}`;
      // mqtt.js defaults otherwise, as a user's harness has them: reconnect every 1 s, connect timeout 30 s (a connect
      // lost to a full accept queue — Mosquitto listens with a backlog of 100 — is retried).
      const options = { clientId: id, keepalive: cfg.keepaliveS, clean: true, protocolVersion: 4 } as const;
      // mqtt.js's TCP builder does not pass localAddress to net.createConnection: build the socket here for a pool.
      const client =
        local === undefined
          ? mqtt.connect(url, options)
          : new mqtt.MqttClient(() => createConnection({ host: new URL(url).hostname, port: Number(new URL(url).port), localAddress: local }), { ...options, protocol: 'mqtt' });
      const topic = `fleetsim/d/${id}/telemetry`;
      client.once('connect', () => {
        if (cfg.everyMs > 0) setInterval(() => client.publish(topic, payload, { qos: cfg.qos }), cfg.everyMs);
      });
      client.on('error', () => failed++);
      clients.push(client);
    }
    if (next >= cfg.count) clearInterval(tick);
  }, 10);
  process.on('SIGINT', () => {
    console.log(`mqttjs harness: ${clients.filter((c) => c.connected).length} connected, ${failed} errors`);
    process.exit(0);
  });
}

main(JSON.parse(process.argv[2] ?? '{}') as HarnessConfig);
