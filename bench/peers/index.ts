/**
 * fleetsim against its peers (Tsung 1.7, an mqtt.js 5 harness), measured the same way in the same run, against the
 * same private Mosquitto instances: the issue 6 table with fleetsim ÷ best-peer ratios, and the JSON (--json FILE).
 * How each figure is measured: bench/peers/measure.ts, brokers.ts and proc.ts (also printed under the table).
 *
 *   npm run bench -- --only peers [options]           (npm run bench builds dist/ first: fleetsim is measured as built)
 *   node --import tsx bench/peers/index.ts --help
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type BrokerSet, PER_BROKER, startBrokers, waitForClosedPorts } from './brokers.js';
import { fleetsim, fleetsimDetected, setProbeDir } from './fleetsim.js';
import { floor } from './floor.js';
import { nodeFloor } from './node-floor.js';
import { type ConnectResult, type ThroughputResult, connections, throughput } from './measure.js';
import { mqttjs } from './mqttjs.js';
import { type TableRow, type ToolName, describeMachine, machine, ratio, renderTable } from './report.js';
import type { Tool, Workload } from './tool.js';
import { tsung } from './tsung.js';

const HELP = `fleetsim vs peers: the issue 6 table, measured in one run on this machine

options:
  --connections N      idle connections held for the memory and connect-rate figures (default 10000)
  --connect-rate R     connect rate asked of every tool, connections/s (default 20000)
  --max-live N         target of the live-connections ramp (default 40000; Mosquitto instances: one per 15,000)
  --duration S         measured window of the 10k-devices QoS 1 figure, seconds (default 30)
  --qos1-devices N     devices of that figure (default 10000), each publishing once a second
  --qos0-devices N     devices of the QoS 0 figure (default 100), each publishing every --qos0-every ms (default 5)
  --listeners N        listener ports per Mosquitto instance, every tool spreads over all of them (default 1)
  --measures LIST      connect,maxlive,qos0,qos1 (default: all)
  --tools LIST         tsung,mqttjs,fleetsim,nodefloor,floor (default: all; the floors, not in the 40,000 ramp: nodefloor =
                       the least Node code doing the job, floor = a C client with no runtime)
  --skip-tsung         leave Tsung out
  --json FILE          also write the results as JSON
  --keep               keep the working folder (generated tsung.xml and scenarios, Tsung's logs) and print its path
`;

const { values: o } = parseArgs({
  options: {
    connections: { type: 'string', default: '10000' },
    'connect-rate': { type: 'string', default: '20000' },
    'max-live': { type: 'string', default: '40000' },
    duration: { type: 'string', default: '30' },
    'qos1-devices': { type: 'string', default: '10000' },
    'qos0-devices': { type: 'string', default: '100' },
    'qos0-every': { type: 'string', default: '5' },
    listeners: { type: 'string', default: '1' },
    measures: { type: 'string', default: 'connect,maxlive,qos0,qos1' },
    tools: { type: 'string', default: 'tsung,mqttjs,fleetsim,nodefloor,floor' },
    'skip-tsung': { type: 'boolean', default: false },
    json: { type: 'string' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (o.help) {
  console.log(HELP);
  process.exit(0);
}
const num = (name: keyof typeof o): number => {
  const v = Number(o[name]);
  if (!Number.isFinite(v) || v <= 0) {
    console.error(`--${name} must be a positive number (got ${String(o[name])})\n\n${HELP}`);
    process.exit(2);
  }
  return v;
};
const N = num('connections');
const RATE = num('connect-rate');
const MAX_LIVE = num('max-live');
const WINDOW_S = num('duration');
const QOS1_DEVICES = num('qos1-devices');
const QOS0_DEVICES = num('qos0-devices');
const QOS0_EVERY = num('qos0-every');
const measures = new Set((o.measures ?? '').split(','));
const wanted = new Set((o.tools ?? '').split(',').filter((t) => !(t === 'tsung' && o['skip-tsung'])));

const host = machine();
const dir = mkdtempSync(join(tmpdir(), 'fleetsim-bench-peers-'));
setProbeDir(dir);
const tools: Tool[] = [];
const notes: string[] = [];
for (const t of [tsung, mqttjs, fleetsim, nodeFloor, floor]) {
  if (!wanted.has(t.name)) continue;
  const why = await t.unavailable();
  if (why === undefined) tools.push(t);
  else {
    console.log(`${t.name}: skipped (${why})`);
    notes.push(`${t.name} skipped: ${why}`);
  }
}
const f = fleetsimDetected();
const build = tools.includes(fleetsim) ? `; fleetsim build: client ${f.lean ? 'lean' : 'mqtt.js'}, --processes ${f.processes ? 'yes' : 'no'}, several endpoints ${f.multiTarget ? 'yes' : 'no'}` : '';
console.log(`peers: ${tools.map((t) => t.name).join(', ')}${build}`);
console.log(`machine: ${describeMachine(host)}\n`);

/** Brokers for a tool's connections: one per 15,000 (each holds ≤ 19,000; Tsung spreads at random). */
const brokersFor = (n: number): number => Math.max(1, Math.ceil(n / 15_000));
let brokerConfig = '';
let brokersUsed = 0;

/**
 * Every measurement gets fresh Mosquitto instances, stopped after it: a previous tool's connections (still closing,
 * or held by a process that outlived it) can never be counted as the next tool's.
 */
async function withBrokers<T>(count: number, run: (b: BrokerSet) => Promise<T>): Promise<T> {
  const waited = await waitForClosedPorts();
  if (waited > 0) process.stdout.write(`(waited ${waited} s for the last run's closed ports) `);
  const b = await startBrokers(count, num('listeners'));
  brokerConfig = b.config;
  brokersUsed = Math.max(brokersUsed, count);
  try {
    return await run(b);
  } finally {
    b.stop();
  }
}

const connectResults: Partial<Record<ToolName, ConnectResult>> = {};
const maxLiveResults: Partial<Record<ToolName, ConnectResult>> = {};
const qos0Results: Partial<Record<ToolName, ThroughputResult>> = {};
const qos1Results: Partial<Record<ToolName, ThroughputResult>> = {};

const base = (name: string, n: number, rate: number, b: BrokerSet): Workload => ({ name, connections: n, connectRate: rate, brokers: b.brokers, sourceAddresses: [], holdS: 600 });

try {
  for (const t of tools) {
    const step = async <T>(label: string, run: () => Promise<T>): Promise<T | undefined> => {
      process.stdout.write(`${t.name.padEnd(8)} ${label} … `);
      try {
        const r = await run();
        console.log(JSON.stringify(r));
        return r;
      } catch (err) {
        console.log(`failed: ${err instanceof Error ? err.message : String(err)}`);
        notes.push(`${t.name} ${label} failed: ${err instanceof Error ? err.message : String(err)}`);
        return undefined;
      }
    };
    if (measures.has('connect')) {
      const r = await step(`${N} idle connections at ${RATE}/s`, () =>
        withBrokers(brokersFor(N), (b) => connections(t, base('idle', N, RATE, b), b, dir, { pollMs: 100, stallS: 35, timeoutS: 120 })),
      );
      if (r !== undefined) connectResults[t.name] = r;
    }
    if (measures.has('qos0')) {
      const publish = { qos: 0, everyMs: QOS0_EVERY } as const;
      const r = await step(`QoS 0, ${QOS0_DEVICES} devices every ${QOS0_EVERY} ms`, () =>
        withBrokers(1, (b) => throughput(t, { ...base('qos0', QOS0_DEVICES, 1000, b), publish }, b, dir, { windowS: 10, timeoutS: 60 })),
      );
      if (r !== undefined) qos0Results[t.name] = r;
    }
    if (measures.has('qos1')) {
      const publish = { qos: 1, everyMs: 1000 } as const;
      const r = await step(`QoS 1, ${QOS1_DEVICES} devices at 1 msg/s`, () =>
        withBrokers(1, (b) => throughput(t, { ...base('qos1', QOS1_DEVICES, Math.min(RATE, 5000), b), publish }, b, dir, { windowS: WINDOW_S, timeoutS: 120 })),
      );
      if (r !== undefined) qos1Results[t.name] = r;
    }
    // Last: a tool stopped in the middle of a long ramp (Tsung still launching) must not disturb its other measures.
    if (measures.has('maxlive') && t !== floor && t !== nodeFloor) {
      const r = await step(`live connections, ramp to ${MAX_LIVE}`, () =>
        withBrokers(brokersFor(MAX_LIVE), (b) => connections(t, base('maxlive', MAX_LIVE, Math.min(RATE, 5000), b), b, dir, { pollMs: 500, stallS: 15, timeoutS: 150 })),
      );
      if (r !== undefined) maxLiveResults[t.name] = r;
    }
  }
} finally {
  if (o.keep) console.log(`working folder kept: ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
host.load1After = Number((loadavg()[0] ?? 0).toFixed(2));

const pick = <R>(results: Partial<Record<ToolName, R>>, f: (r: R) => number | null, devices?: number): TableRow['values'] => {
  const out: Partial<Record<ToolName, number | string>> = {};
  for (const [k, r] of Object.entries(results) as Array<[ToolName, R]>) {
    const v = f(r);
    const live = (r as { live?: number }).live ?? 0;
    // A throughput figure of a tool that did not connect (nearly) all its devices describes another workload.
    if (devices !== undefined && live < devices * 0.95) out[k] = `n/a: ${live} live`;
    else out[k] = v === null ? 'n/a' : v;
  }
  return out;
};
const rows: TableRow[] = [];
if (measures.has('connect')) {
  rows.push({ measure: 'client memory per idle live connection', lowerIsBetter: true, unit: 'KiB', target: '≤ 4', values: pick(connectResults, (r) => r.kibPerConn) });
  rows.push({ measure: 'sustained connect rate', lowerIsBetter: false, unit: 'conn/s', target: '≥ 10,000', values: pick(connectResults, (r) => r.connectRate) });
}
if (measures.has('maxlive')) rows.push({ measure: `live connections (ramp to ${MAX_LIVE})`, lowerIsBetter: false, unit: 'conn', target: '200,000', values: pick(maxLiveResults, (r) => r.live) });
if (measures.has('qos0')) rows.push({ measure: 'QoS 0 messages per generator CPU-second', lowerIsBetter: false, unit: 'msg/CPU-s', target: '≥ 150,000', values: pick(qos0Results, (r) => r.msgsPerCpuS, QOS0_DEVICES) });
if (measures.has('qos1')) {
  rows.push({ measure: `${QOS1_DEVICES} devices at 1 msg/s, QoS 1: generator CPU`, lowerIsBetter: true, unit: '% of a core', target: '≤ 15', values: pick(qos1Results, (r) => r.cpuPct, QOS1_DEVICES) });
  rows.push({ measure: '  the same: messages the broker received', lowerIsBetter: false, unit: 'msg/s', target: QOS1_DEVICES.toLocaleString('en-US'), values: pick(qos1Results, (r) => r.msgsPerS, QOS1_DEVICES) });
}

console.log(`\n${renderTable(rows)}\n`);
const footnotes = [
  `machine: ${describeMachine(host)}; brokers: fresh Mosquitto instances for every measurement, up to ${brokersUsed} (one per 15,000 connections; ${brokerConfig}), each ≤ ${PER_BROKER.toLocaleString('en-US')} connections`,
  'every figure is taken from outside the tool: connections from the kernel socket table on the broker side (ss, established, local port = a broker port), messages from Mosquitto\'s $SYS/broker/publish/messages/received, CPU and memory from /proc of the tool\'s whole process tree (children included)',
  `memory per connection = (Σ VmRSS of the tree 2 s after the ramp, mean of 3 samples − Σ VmRSS read right after the last poll that counted no device connection) ÷ live device connections`,
  'connect rate = (connections at the first sample at the highest count − at the first sample with any) ÷ the time between those samples (polled every 100 ms); the same run as the memory figure, ended at the target, after 35 s without growth (past mqtt.js\'s 30 s connect timeout) or at 120 s',
  'mqttLive in the JSON: device clients with an MQTT session (Mosquitto\'s $SYS/broker/clients/connected), which leaves out sockets whose CONNECT is unanswered',
  `live connections = device connections the brokers hold after a ramp to the target at ≤ 5,000/s, ended at the target, after 15 s without growth (refusal or the tool's ceiling) or at 150 s`,
  `QoS 0: ${QOS0_DEVICES} devices each publishing every ${QOS0_EVERY} ms (${Math.round((QOS0_DEVICES * 1000) / QOS0_EVERY).toLocaleString('en-US')} msg/s offered); messages the broker received ÷ CPU-seconds of the tool's tree, between two broker counter updates ~10 s apart, from 5 s after the last device connected`,
  `QoS 1: ${QOS1_DEVICES} devices each publishing once a second; CPU of the tool's tree ÷ wall time × 100 over ~${WINDOW_S} s between two broker counter updates, from 5 s after the last device connected (received msg/s shows the rate achieved: above the offered rate is a tool catching up)`,
  'a throughput figure shows n/a when fewer than 95 % of the devices were connected when its window began',
  'fleetsim ÷ best peer: the best of Tsung and MQTT.js (lowest for memory and CPU, highest otherwise); below 1 is better for memory and CPU, above 1 for the rest',
  'C floor: not a peer but the least a client spends here (the kernel\'s TCP on loopback, epoll and syscalls, a few instructions), measured the same way; not in the 40,000 ramp (one process, one broker port)',
  'Node floor: not a peer but the least a Node client spends here (the C floor\'s job with Node\'s event loop, timers and socket writes), measured the same way; fleetsim − Node floor is what fleetsim itself adds (devices, payloads, scheduling, metrics)',
  ...tools.map((t) => `${t.name}: ${t.describe()}`),
  ...(fleetsimDetected().noObserver ? [] : ['fleetsim includes its observer (an independent subscriber thread that checks delivery), which peers do not have']),
  ...notes,
];
for (const n of footnotes) console.log(`- ${n}`);

if (o.json !== undefined) {
  const json = {
    bench: 'peers',
    machine: host,
    options: { connections: N, connectRate: RATE, maxLive: MAX_LIVE, qos1WindowS: WINDOW_S, qos1Devices: QOS1_DEVICES, qos0Devices: QOS0_DEVICES, qos0EveryMs: QOS0_EVERY },
    fleetsim: fleetsimDetected(),
    tools: Object.fromEntries(tools.map((t) => [t.name, t.describe()])),
    results: { connect: connectResults, maxLive: maxLiveResults, qos0: qos0Results, qos1: qos1Results },
    table: rows.map((r) => ({ ...r, ratio: ratio(r) })),
    footnotes,
  };
  writeFileSync(o.json, JSON.stringify(json, null, 2) + '\n');
  console.log(`\nJSON: ${o.json}`);
}
