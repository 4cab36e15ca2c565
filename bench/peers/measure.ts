/**
 * The two measurements every tool gets, from outside the tool (broker-side counts, /proc of its process tree).
 *
 * connections(): start the tool, sample every `pollMs` the established device connections (brokers.ts) and the
 *   tool's tree (proc.ts) (every 100 ms until the first device connection) until the target count is reached, or the count has not grown for `stallS` (refusal, or the
 *   tool's own ceiling), or `timeoutS`. Then
 *     live          = device connections after a settle of SETTLE_MS (broker side); mqttLive, beside it: device
 *                     clients with an MQTT session ($SYS/broker/clients/connected), which leaves out sockets whose
 *                     CONNECT is unanswered or timed out
 *     connect rate  = (count at t_last − count at t_first) ÷ (t_last − t_first), t_first = first sample with a device
 *                     connection, t_last = first sample with the highest count seen
 *     memory/conn   = (mean tree RSS of 3 samples after the settle − tree RSS read right after the last count of
 *                     zero device connections) ÷ live
 * throughput(): start the tool, wait until its devices are connected (as above) plus WARMUP_MS (5 s), then over a window of
 *   `windowS` take, at each arrival of the broker's `$SYS/broker/publish/messages/received` (every second), the
 *   count and the tree's CPU; between the first and the last such sample in the window:
 *     messages/s    = Δ received ÷ Δ time;  CPU % = Δ tree CPU ÷ Δ time × 100 (100 = one core)
 *     messages per CPU-second = Δ received ÷ Δ tree CPU
 */
import { type BrokerSet, MessageCounter, mqttClients, sleep } from './brokers.js';
import { type TreeSample, sampleTree } from './proc.js';
import type { Tool, ToolRun, Workload } from './tool.js';

const SETTLE_MS = 2000;
const WARMUP_MS = 5000;

export interface ConnectResult {
  readonly live: number;
  /** Device clients with an MQTT session (Mosquitto's $SYS/broker/clients/connected, the tool's extra clients left out). */
  readonly mqttLive: number;
  /** Established connections per broker after the settle (the tool's extra connections included). */
  readonly perBroker: readonly number[];
  readonly connectRate: number | null;
  readonly kibPerConn: number | null;
  readonly rssBaselineMiB: number;
  readonly rssMiB: number;
  /** Seconds from the tool's start to the end of the ramp. */
  readonly rampS: number;
  /** Why the ramp ended: 'target', 'stalled', 'timeout' or 'exited'. */
  readonly ended: string;
  readonly processes: number;
  /** The tool's last output lines, after it was stopped (or exited by itself: `ended` is 'exited'). */
  readonly toolOutput?: string;
}

export interface ThroughputResult {
  readonly live: number;
  readonly msgsPerS: number | null;
  readonly cpuPct: number | null;
  readonly msgsPerCpuS: number | null;
  readonly windowS: number;
}

interface Ramp {
  readonly run: ToolRun;
  readonly result: Omit<ConnectResult, 'live' | 'mqttLive' | 'perBroker' | 'kibPerConn' | 'rssMiB' | 'processes'> & { baseline: number; peak: number };
}

const devicesOf = (counts: readonly number[], run: ToolRun): number => Math.max(0, counts.reduce((a, b) => a + b, 0) - run.extraConnections);

async function ramp(tool: Tool, w: Workload, brokers: BrokerSet, dir: string, o: { pollMs: number; stallS: number; timeoutS: number }): Promise<Ramp> {
  const run = await tool.start({ ...w, rampLimitS: o.timeoutS }, dir);
  let exited = false;
  void run.exited.then(() => {
    exited = true;
  });
  const t0 = performance.now();
  let baseline = sampleTree(run.pid, run.marker).rssBytes;
  let first: { at: number; n: number } | undefined;
  let best = { at: t0, n: 0 };
  let ended = 'timeout';
  while (performance.now() - t0 < o.timeoutS * 1000) {
    const n = devicesOf(await brokers.connections(), run);
    const at = performance.now();
    // Read after the count: under load `ss` takes a while, and a sample from before it could predate the tool's
    // runtime starting up (Tsung's VM). The cost: connections made while ss ran count in the baseline (few).
    if (n === 0) baseline = sampleTree(run.pid, run.marker).rssBytes;
    if (n > 0 && first === undefined) first = { at, n };
    if (n > best.n) best = { at, n };
    if (n >= w.connections) {
      ended = 'target';
      break;
    }
    if (exited) {
      ended = 'exited';
      break;
    }
    if (first !== undefined && at - best.at > o.stallS * 1000) {
      ended = 'stalled';
      break;
    }
    // Fine polls until the first device connects, so the baseline is taken just before it.
    await sleep(first === undefined ? Math.min(o.pollMs, 100) : o.pollMs);
  }
  const rate = first !== undefined && best.at > first.at ? (best.n - first.n) / ((best.at - first.at) / 1000) : null;
  return { run, result: { connectRate: rate, rssBaselineMiB: baseline / 2 ** 20, rampS: (best.at - t0) / 1000, ended, baseline, peak: best.n } };
}

export async function connections(
  tool: Tool,
  w: Workload,
  brokers: BrokerSet,
  dir: string,
  o: { pollMs: number; stallS: number; timeoutS: number; stopGraceMs?: number },
): Promise<ConnectResult> {
  const { run, result } = await ramp(tool, w, brokers, dir, o);
  let measured: ConnectResult | undefined;
  try {
    await sleep(SETTLE_MS);
    const perBroker = await brokers.connections();
    const live = devicesOf(perBroker, run);
    const sessions = Math.max(0, (await mqttClients(brokers.brokers)).reduce((a, b) => a + b, 0) - run.extraConnections);
    const rss: TreeSample[] = [];
    for (let i = 0; i < 3; i++) {
      rss.push(sampleTree(run.pid, run.marker));
      await sleep(300);
    }
    const mean = rss.reduce((a, s) => a + s.rssBytes, 0) / rss.length;
    const { baseline, peak: _peak, ...rest } = result;
    measured = {
      ...rest,
      live,
      mqttLive: sessions,
      perBroker,
      kibPerConn: live > 0 ? (mean - baseline) / live / 1024 : null,
      rssMiB: mean / 2 ** 20,
      processes: Math.max(...rss.map((s) => s.pids)),
    };
  } finally {
    await run.stop(o.stopGraceMs);
  }
  // The tool's last words after the stop (fleetsim prints its report, with failures by code, on SIGINT).
  return { ...measured, toolOutput: run.tail() };
}

export async function throughput(tool: Tool, w: Workload, brokers: BrokerSet, dir: string, o: { windowS: number; timeoutS: number }): Promise<ThroughputResult> {
  const broker = brokers.brokers[0];
  if (broker === undefined) throw new Error('no broker');
  let pid = -1;
  let marker = '';
  let measuring = false;
  const samples: Array<{ at: number; received: number; cpu: number }> = [];
  const counter = await MessageCounter.start(broker, (s) => {
    if (measuring) samples.push({ ...s, cpu: sampleTree(pid, marker).cpuMicros });
  });
  const { run } = await ramp(tool, w, brokers, dir, { pollMs: 250, stallS: 5, timeoutS: o.timeoutS }).then((r) => {
    pid = r.run.pid;
    marker = r.run.marker;
    return r;
  });
  try {
    await sleep(WARMUP_MS);
    const live = devicesOf(await brokers.connections(), run);
    measuring = true;
    await sleep(o.windowS * 1000 + 1100); // the counter's next update after the window's end
    measuring = false;
    const a = samples[0];
    const b = samples[samples.length - 1];
    if (a === undefined || b === undefined || b.at <= a.at) return { live, msgsPerS: null, cpuPct: null, msgsPerCpuS: null, windowS: 0 };
    const s = (b.at - a.at) / 1000;
    const msgs = b.received - a.received;
    const cpuS = (b.cpu - a.cpu) / 1e6;
    return { live, msgsPerS: msgs / s, cpuPct: (cpuS / s) * 100, msgsPerCpuS: cpuS > 0 ? msgs / cpuS : null, windowS: s };
  } finally {
    await run.stop();
    await counter.stop();
  }
}
