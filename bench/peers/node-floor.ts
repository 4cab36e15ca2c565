/**
 * The Node floor: bench/floor/node-floor.ts, the C floor's job in the least Node code (net.connect with onread, one
 * 1 ms timer, pre-encoded frames, one socket.write per message). Not a peer: what Node itself costs here, so
 * fleetsim's figures can be read as "the runtime" + "fleetsim's own work". Measured from outside like every tool.
 */
import { fileURLToPath } from 'node:url';
import { PER_BROKER } from './brokers.js';
import { PAYLOAD_BYTES, type Tool, type ToolRun, type Workload, spawnTool } from './tool.js';

const script = fileURLToPath(new URL('../floor/node-floor.ts', import.meta.url));

export const nodeFloor: Tool = {
  name: 'nodefloor',
  unavailable: () => Promise.resolve(undefined),
  /** One process, one broker port. */
  maxConnections: () => PER_BROKER,
  start(w: Workload): Promise<ToolRun> {
    const broker = w.brokers[0];
    if (broker === undefined) throw new Error('nodefloor: no broker');
    const args = ['127.0.0.1', String(broker.port), String(w.connections), String(w.connectRate), String(w.publish?.everyMs ?? 0), String(w.publish?.qos ?? 0), String(PAYLOAD_BYTES)];
    return Promise.resolve(spawnTool(process.execPath, ['--import', 'tsx', script, ...args]));
  },
  describe: () =>
    `node bench/floor/node-floor.ts (Node ${process.version}): one thread, net.connect with onread into one shared buffer, connects paced by a 1 ms timer to the first broker port (a failed attempt retried after 1 s), then a pre-encoded ${PAYLOAD_BYTES}-byte PUBLISH written with socket.write when due (QoS 1: a copy per message, the packet id patched), PUBACKs read and dropped; no device model, no payload encoding, no metrics`,
};
