/**
 * The floor: bench/floor/mqtt-floor.c, a C client with no runtime (one thread, epoll, paced non-blocking connects,
 * pre-encoded packets, one write per message, PUBACKs read back), compiled here with the system C compiler. It answers
 * the connect and throughput figures (not the 40,000 ramp: one process, one broker port): what connecting and
 * publishing cost on this machine when nothing but the kernel and a few instructions are spent, so each tool's figure
 * can be read against it. Measured from outside like every tool.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PER_BROKER } from './brokers.js';
import { PAYLOAD_BYTES, type Tool, type ToolRun, type Workload, spawnTool } from './tool.js';

const source = fileURLToPath(new URL('../floor/mqtt-floor.c', import.meta.url));
let binary: string | undefined;

function compile(): Promise<string | undefined> {
  if (binary !== undefined) return Promise.resolve(undefined);
  const out = join(mkdtempSync(join(tmpdir(), 'fleetsim-floor-')), 'mqtt-floor');
  return new Promise((resolve) =>
    execFile('cc', ['-O2', '-o', out, source], (err, _stdout, stderr) => {
      if (err === null) binary = out;
      resolve(err === null ? undefined : `cannot compile bench/floor/mqtt-floor.c with cc (${(stderr || err.message).trim().split('\n')[0] ?? ''}): apt-get install gcc`);
    }),
  );
}

export const floor: Tool = {
  name: 'floor',
  unavailable: compile,
  /** One process, one broker port. */
  maxConnections: () => PER_BROKER,
  start(w: Workload): Promise<ToolRun> {
    const broker = w.brokers[0];
    if (binary === undefined || broker === undefined) throw new Error('floor: not compiled, or no broker');
    // It runs until the bench stops it; every figure is measured from outside.
    const args = ['127.0.0.1', String(broker.port), String(w.connections), String(w.connectRate), String(w.publish?.everyMs ?? 0), String(w.publish?.qos ?? 0), String(PAYLOAD_BYTES)];
    return Promise.resolve(spawnTool(binary, args));
  },
  describe: () =>
    `bench/floor/mqtt-floor.c compiled with cc -O2: one thread, epoll with a 1 ms tick, non-blocking connects at the asked rate to the first broker port (a failed attempt retried after 1 s), then a pre-encoded ${PAYLOAD_BYTES}-byte PUBLISH written when due, PUBACKs read and dropped; no device model, no payload encoding, no metrics`,
};
