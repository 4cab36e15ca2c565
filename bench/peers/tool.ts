/** What every load generator under test is asked to do, and how the bench starts and stops it. */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Broker } from './brokers.js';
import { onCleanup } from './cleanup.js';
import { processTree } from './proc.js';

export interface Workload {
  /** Short name, used in file names. */
  readonly name: string;
  readonly connections: number;
  /** Target connect rate, connections per second. */
  readonly connectRate: number;
  /** Devices are spread over these brokers (device i → broker i mod B where the tool allows it). */
  readonly brokers: readonly Broker[];
  /** Local source addresses to spread connections over (empty: the kernel picks). */
  readonly sourceAddresses: readonly string[];
  /** Longest the bench waits for the connections (tools with a launch window, as Tsung's phase, get this one). */
  readonly rampLimitS?: number | undefined;
  /** How long the tool keeps its devices after the last connect; the bench usually stops it earlier. */
  readonly holdS: number;
  /** Telemetry: every device publishes every `everyMs`, with this QoS; undefined: idle connections. */
  readonly publish?: { readonly qos: 0 | 1; readonly everyMs: number } | undefined;
  /** fleetsim: OS processes (when its CLI has --processes). */
  readonly processes?: number | undefined;
}

/** Bytes of every published payload; fleetsim's thermostat JSON reading is about this size. */
export const PAYLOAD_BYTES = 120;
/** MQTT keepalive of every device: long enough that no PINGREQ falls in a measured window's hot path. */
export const KEEPALIVE_S = 600;

export interface ToolRun {
  /** Root of the tool's process tree (measured with bench/peers/proc.ts). */
  readonly pid: number;
  /** NAME=value in the tool's environment, inherited by every process it starts (proc.ts finds detached ones by it). */
  readonly marker: string;
  /** Connections the tool opens besides its devices (fleetsim's observer), left out of the device counts. */
  readonly extraConnections: number;
  /** Settles with the exit code when the tool exits on its own. */
  readonly exited: Promise<number | null>;
  /** The tool's last output lines (for error messages). */
  tail(): string;
  /** SIGINT, then SIGKILL to its process group after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface Tool {
  readonly name: 'tsung' | 'mqttjs' | 'fleetsim' | 'floor' | 'nodefloor';
  /** undefined when the tool can run here, else why not and the fix. */
  unavailable(): Promise<string | undefined>;
  /** Most connections the tool can open on this machine by design (its process model), or Infinity. */
  maxConnections(w: Omit<Workload, 'connections'>): number;
  start(w: Workload, dir: string): Promise<ToolRun>;
  /** One-line description of how it was driven (footnotes). */
  describe(): string;
}

/** Spawns a tool in its own process group (so stop() reaches every process it started) and keeps its output tail. */
export function spawnTool(cmd: string, args: readonly string[], opts: { cwd?: string; extraConnections?: number } = {}): ToolRun {
  const marker = `FLEETSIM_BENCH_RUN=${randomBytes(6).toString('hex')}`;
  const env = { ...process.env, FLEETSIM_BENCH_RUN: marker.slice(marker.indexOf('=') + 1) };
  const child: ChildProcess = spawn(cmd, args, { cwd: opts.cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot start ${cmd}`);
  let out = '';
  const keep = (b: Buffer): void => {
    out = (out + b.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const kill = (signal: NodeJS.Signals): void => {
    // Once the tool itself has exited its pid may be reused: then only the processes that carry the marker.
    const alive = child.exitCode === null && child.signalCode === null;
    for (const p of processTree(alive ? pid : -1, marker)) {
      if (p === pid) continue;
      try {
        process.kill(p, signal);
      } catch {
        // it exited
      }
    }
    if (!alive) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // the group is gone
    }
  };
  const off = onCleanup(() => kill('SIGKILL'));
  void exited.then(() => kill('SIGKILL')); // leftovers of the group (Erlang port programs, worker processes)
  return {
    pid,
    marker,
    extraConnections: opts.extraConnections ?? 0,
    exited,
    tail: () => out.trim().split('\n').slice(-40).join('\n'),
    stop: async (graceMs = 3000) => {
      if (child.exitCode === null && child.signalCode === null) {
        kill('SIGINT');
        const timer = new Promise<void>((r) => setTimeout(r, graceMs));
        await Promise.race([exited, timer]);
      }
      kill('SIGKILL');
      off();
      await new Promise((r) => setTimeout(r, 200));
      const left = processTree(-1, marker);
      if (left.length > 0) console.error(`${cmd}: processes ${left.join(', ')} outlived SIGKILL`);
    },
  };
}
