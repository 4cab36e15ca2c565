/** The mqtt.js 5 peer: bench/peers/mqttjs-harness.ts in its own process (more above 19,000 connections). */
import { fileURLToPath } from 'node:url';
import type { HarnessConfig } from './mqttjs-harness.js';
import { KEEPALIVE_S, PAYLOAD_BYTES, type Tool, type ToolRun, type Workload, spawnTool } from './tool.js';

const harness = fileURLToPath(new URL('./mqttjs-harness.ts', import.meta.url));

export const mqttjs: Tool = {
  name: 'mqttjs',
  unavailable: () => Promise.resolve(undefined),
  maxConnections: () => Infinity,
  start(w: Workload): Promise<ToolRun> {
    const cfg: HarnessConfig = {
      urls: w.brokers.flatMap((b) => b.urls),
      sourceAddresses: w.sourceAddresses,
      from: 0,
      count: w.connections,
      connectRate: w.connectRate,
      keepaliveS: KEEPALIVE_S,
      qos: w.publish?.qos ?? 0,
      everyMs: w.publish?.everyMs ?? 0,
      payloadBytes: PAYLOAD_BYTES,
    };
    return Promise.resolve(spawnTool(process.execPath, ['--import', 'tsx', harness, JSON.stringify(cfg)]));
  },
  describe: () =>
    `node bench/peers/mqttjs-harness.ts: one mqtt.js MqttClient per connection, a setInterval per client publishing a ${PAYLOAD_BYTES}-byte payload; one process per 19,000 connections`,
};
