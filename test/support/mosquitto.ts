import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedPort, reachable } from './brokers.js';

/** The mosquitto binary (PATH, then /usr/sbin), or undefined. */
export function mosquittoBinary(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' }).stdout.trim();
  if (found !== '') return found;
  return ['/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto'].find((p) => existsSync(p));
}

/**
 * Whether tests that start their own Mosquitto run: skipped with a clear message when the binary is missing, a failure
 * under FLEETSIM_REQUIRE_MOSQUITTO=1 (CI), never a silent skip there.
 */
export function mosquittoBinaryOrSkip(label: string): string | undefined {
  const bin = mosquittoBinary();
  if (bin !== undefined) return bin;
  if (process.env.FLEETSIM_REQUIRE_MOSQUITTO === '1') throw new Error(`${label}: the mosquitto binary is required (FLEETSIM_REQUIRE_MOSQUITTO=1) but is not installed`);
  console.warn(`\n  SKIPPED: ${label} — no mosquitto binary (apt-get install mosquitto).\n`);
  return undefined;
}

export interface MosquittoInstance {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * A Mosquitto of the test's own on a free loopback port: anonymous, no connection limit, no cap on queued QoS 1
 * messages (a subscriber that lags keeps them all); stop() kills it.
 */
export async function startMosquitto(bin: string): Promise<MosquittoInstance> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetsim-mosquitto-'));
  const port = await closedPort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'max_connections -1', 'max_queued_messages 0', 'persistence false', 'log_dest none', ''].join('\n'));
  const child: ChildProcess = spawn(bin, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const url = `mqtt://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 100; i++) {
    if (await reachable(url, 200)) return { url, port, stop };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  throw new Error(`mosquitto did not start on port ${port}: ${stderr.trim()}`);
}
