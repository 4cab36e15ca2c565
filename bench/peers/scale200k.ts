/**
 * The 200,000-connection run (issue 6): fleetsim as users run it (`fleetsim run … --target url1,…,url12`, processes
 * of its own choice or `--processes N`, optionally `--source-addresses`) against 12 private
 * Mosquitto instances (≤ 19,000 connections each: the open-file limit), measured from outside as in the peers table (bench/peers/measure.ts):
 *   live connections = device connections the brokers hold (ss), per broker and in total
 *   memory/conn      = Σ VmRSS of fleetsim's process tree ÷ live (and the growth from before the first connection ÷ live)
 *   connect rate     = between the first poll with a connection and the first at the highest count (1 s polls)
 *   time             = from starting the CLI to the highest count
 * plus the virtual-time samples/s of issue 3 (bench/virtual-measure.ts), the other scale figure of the README.
 *
 *   npm run bench -- --only scale200k [--connections 200000] [--brokers 12] [--listeners N] [--processes N] [--connect-rate 4000]
 *                   [--source-addresses 127.0.0.1-127.0.0.16] [--timeout 300] [--skip-virtual] [--json FILE]
 *
 * Each Mosquitto listens on enough ports (`--listeners`, default: ≤ 12,000 connections per port) that no destination
 * passes ~14,000 connections: the kernel picks a connection's ephemeral port per destination and tries one parity of
 * the range (32768–60999) first, so past half of it every connect scans the other half (measured: one port per broker
 * stalled at 15,016–15,059 per broker, 180,427 in all; see the README).
 *
 * No source-address pool by default: with 12 destinations one source address has 12 × the ephemeral range of
 * 4-tuples, while Node binds a pooled socket to its address before connecting (no IP_BIND_ADDRESS_NO_PORT), which
 * reserves the port on that address for every destination; past ~110,000 connections over 16 addresses every bind
 * scanned the port range (measured: stalls at 136–139k with the pool, 184k without, same machine and rate).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { assertFreshBuild, measureVirtual } from '../virtual-measure.js';
import { PER_BROKER, startBrokers } from './brokers.js';
import { fleetsim, fleetsimDetected, setProbeDir } from './fleetsim.js';
import { connections } from './measure.js';
import { describeMachine, machine } from './report.js';

const { values: o } = parseArgs({
  options: {
    connections: { type: 'string', default: '200000' },
    brokers: { type: 'string', default: '12' },
    listeners: { type: 'string' },
    processes: { type: 'string' },
    'connect-rate': { type: 'string', default: '4000' },
    'source-addresses': { type: 'string', default: '' },
    timeout: { type: 'string', default: '300' },
    'skip-virtual': { type: 'boolean', default: false },
    'virtual-devices': { type: 'string', default: '200000' },
    'virtual-hours': { type: 'string', default: '2' },
    json: { type: 'string' },
  },
});

/** "127.0.0.1-127.0.0.16" → the 16 addresses; "a,b" → a list. */
function addresses(spec: string): string[] {
  const range = /^(\d+\.\d+\.\d+\.)(\d+)-\1(\d+)$/.exec(spec);
  if (range === null) return spec.split(',').filter((s) => s.length > 0);
  const [, prefix, from, to] = range;
  return Array.from({ length: Number(to) - Number(from) + 1 }, (_, i) => `${prefix}${Number(from) + i}`);
}

const N = Number(o.connections);
const BROKERS = Number(o.brokers);
if (!(N > 0) || !(BROKERS > 0) || N / BROKERS > PER_BROKER) {
  console.error(`--connections ${o.connections} over --brokers ${o.brokers}: each Mosquitto holds at most ${PER_BROKER}; use at least ${Math.ceil(N / PER_BROKER)} brokers`);
  process.exit(2);
}
assertFreshBuild();
const host = machine();
const dir = mkdtempSync(join(tmpdir(), 'fleetsim-bench-200k-'));
setProbeDir(dir);
await fleetsim.unavailable();
const f = fleetsimDetected();
/** fleetsim's own choice unless --processes names a count (it starts more than one when one would pass the fd limit). */
const processes = o.processes === undefined ? undefined : Number(o.processes);
const pool = addresses(o['source-addresses'] ?? '');
/** Ports per broker: at most 12,000 connections per destination port. */
const LISTENERS = o.listeners === undefined ? Math.max(1, Math.ceil(N / BROKERS / 12_000)) : Number(o.listeners);
const brokerSet = await startBrokers(BROKERS, LISTENERS);
const workload = {
  name: 'scale200k',
  connections: N,
  connectRate: Number(o['connect-rate']),
  brokers: brokerSet.brokers,
  sourceAddresses: pool,
  holdS: 600,
  processes,
};
const ceiling = fleetsim.maxConnections(workload);
console.log(`scale: ${N.toLocaleString('en-US')} connections over ${BROKERS} Mosquitto instances × ${LISTENERS} listener ports, ${processes ?? 'fleetsim-chosen'} processes, ${pool.length} source addresses, ask ${workload.connectRate}/s`);
console.log(`fleetsim build: client ${f.lean ? 'lean' : 'mqtt.js'}, --processes ${f.processes ? 'yes' : 'no'}, several endpoints ${f.multiTarget ? 'yes' : 'no'}`);
console.log(`machine: ${describeMachine(host)}`);
const notes: string[] = [];
if (ceiling < N) {
  notes.push(
    `this fleetsim build cannot exceed ~${ceiling.toLocaleString('en-US')} connections (${f.processes ? '' : 'one process (no --processes)'}${f.processes || f.multiTarget ? '' : ', '}${f.multiTarget ? '' : 'one endpoint'}): the run asks for that many instead of ${N.toLocaleString('en-US')}`,
  );
  workload.connections = ceiling;
}
for (const n of notes) console.log(`note: ${n}`);

let result;
try {
  // 45 s without growth ends the ramp: longer than fleetsim's reconnect backoff cap (30 s), so devices whose first
  // attempt timed out on a saturated machine get their retry. Up to 60 s for fleetsim's drain and report on SIGINT.
  result = await connections(fleetsim, workload, brokerSet, dir, { pollMs: 1000, stallS: 45, timeoutS: Number(o.timeout), stopGraceMs: 60_000 });
} finally {
  brokerSet.stop();
  rmSync(dir, { recursive: true, force: true });
}
const virtual = o['skip-virtual']
  ? undefined
  : await measureVirtual({ model: 'thermostat', devices: Number(o['virtual-devices']), hours: Number(o['virtual-hours']), workers: host.cores, from: 'dist' });
host.load1After = Number((loadavg()[0] ?? 0).toFixed(2));

const rows = [
  ['live connections (broker side)', result.live.toLocaleString('en-US'), `asked ${workload.connections.toLocaleString('en-US')}; ramp ended: ${result.ended}`],
  ['  of which with an MQTT session', result.mqttLive.toLocaleString('en-US'), "Mosquitto's $SYS/broker/clients/connected, summed"],
  ['memory per connection, Σ RSS ÷ live', result.live > 0 ? `${((result.rssMiB * 1024) / result.live).toFixed(1)} KiB` : 'n/a', `Σ RSS ${result.rssMiB.toFixed(0)} MiB over ${result.processes} processes`],
  ['memory per connection, growth ÷ live', result.kibPerConn === null ? 'n/a' : `${result.kibPerConn.toFixed(1)} KiB`, `before the first connection: ${result.rssBaselineMiB.toFixed(0)} MiB`],
  ['connect rate', result.connectRate === null ? 'n/a' : `${Math.round(result.connectRate).toLocaleString('en-US')}/s`, 'first poll with a connection → first at the highest count'],
  ['time to the highest count', `${result.rampS.toFixed(1)} s`, 'from starting the CLI'],
  ...(virtual === undefined
    ? []
    : [['virtual time, samples/s', virtual.samples_per_s.toLocaleString('en-US'), `${virtual.samples.toLocaleString('en-US')} samples, thermostat × ${o['virtual-devices']} × ${o['virtual-hours']} h, ${virtual.workers} workers`]]),
];
console.log('');
for (const [k, v, how] of rows) console.log(`${(k ?? '').padEnd(38)} ${(v ?? '').padStart(12)}   ${how}`);
console.log(`per broker (${fleetsimDetected().noObserver ? 'devices only' : "fleetsim's observer included"}): ${result.perBroker.join(' ')}`);
if (result.toolOutput !== undefined && result.toolOutput !== '') console.log(`fleetsim's output (${result.ended === 'exited' ? 'it exited during the ramp' : 'after the bench stopped it'}):\n${result.toolOutput}`);
console.log(`load1 ${host.load1Before} → ${host.load1After}`);
if (o.json !== undefined) {
  writeFileSync(o.json, JSON.stringify({ bench: 'scale200k', machine: host, workload: { ...workload, brokers: BROKERS, listeners: LISTENERS }, fleetsim: f, result, virtual, notes }, null, 2) + '\n');
  console.log(`JSON: ${o.json}`);
}
