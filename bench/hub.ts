/**
 * Telemetry throughput of the embedded hub against Mosquitto on this machine, in the same run, with the same load
 * generator and message. Goal (issue): the embedded hub at least half of Mosquitto's, with authentication and routing
 * on, i.e. vs_mosquitto ≥ 0.5 for the `embedded-iothub` rows.
 *
 * Targets: a private Mosquitto (child process, loopback, free port); the embedded hub's plain MQTT side (no auth, same
 * topics as Mosquitto); the embedded hub's IoT Hub side (devices registered through the service API, SAS tokens,
 * devices/{id}/messages/events/, consumed by a `$service` client). For each, QoS 1 and QoS 0: N publisher connections
 * in one child process, one subscriber in another (bench/hub-load.ts, raw MQTT 3.1.1), the hub in this process
 * (embedded) or its own (Mosquitto).
 *
 *   npm run bench                    (all benchmarks)
 *   node --import tsx bench/hub.ts [connections] [measure seconds]
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type EmbeddedHub, startEmbeddedHub } from '../src/hub/embedded.js';
import { createSasToken, deviceResource, hubUsername, telemetryTopic } from '../src/iothub/index.js';
import { decodeHistogram, valueAtPercentile } from '../src/metrics/hdr.js';
import { HOST, freePort, sleep, waitListening } from './peers/brokers.js';
import { type LoadCommand, type LoadConn, type LoadReply, type LoadResult, PAYLOAD_BYTES, PROGRESS_MS } from './hub-load.js';

const CONNECTIONS = Number(process.argv[2] ?? 50);
const MEASURE_S = Number(process.argv[3] ?? 10);
const WARMUP_S = 2;
const WINDOW = 10;
/** At most this many messages between the publisher and the subscriber (sent − received), per connection. */
const BUDGET_PER_CONN = 100;
const CLK_TCK = 100; // Linux USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s

// ---------------------------------------------------------------------------------------------------------------------
// Load-generator processes

class Loader {
  private readonly child: ChildProcess;
  private waiting: { resolve: (m: LoadReply) => void; reject: (e: Error) => void } | null = null;
  /** The subscriber's running count, relayed to the publisher (end-to-end budget). */
  onProgress: ((total: number) => void) | null = null;
  constructor(role: 'pub' | 'sub') {
    this.child = fork(fileURLToPath(new URL('./hub-load.ts', import.meta.url)), [role], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
    this.child.on('message', (m: LoadReply) => {
      if (m.type === 'progress') return this.onProgress?.(m.total);
      const w = this.waiting;
      this.waiting = null;
      if (m.type === 'error') {
        if (w !== null) w.reject(new Error(`${role}: ${m.message}`));
        else console.error(`${role}: ${m.message}`);
      } else w?.resolve(m);
    });
  }
  request(cmd: LoadCommand): Promise<LoadReply> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.child.send(cmd);
    });
  }
  post(cmd: LoadCommand): void {
    this.child.send(cmd);
  }
  async result(): Promise<LoadResult> {
    const m = await this.request({ type: 'finish' });
    if (m.type !== 'result') throw new Error('expected a result');
    return m.result;
  }
  stop(): void {
    if (this.child.connected) this.child.send({ type: 'exit' });
    setTimeout(() => this.child.kill(), 1000).unref();
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// CPU of the hub under test

/** utime + stime of a process or thread from /proc, µs. */
function procCpuMicros(statPath: string): number {
  const stat = readFileSync(statPath, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3 (state)
  return ((Number(fields[11]) + Number(fields[12])) / CLK_TCK) * 1e6; // fields 14 utime, 15 stime
}

interface CpuProbe {
  /** CPU µs consumed so far by the hub (the whole hosting process for the embedded hub). */
  read(): { hub: number; thread: number | null };
}

/** CPU µs all cores spent busy (everything but idle and iowait, steal included) from /proc/stat. */
function machineBusyMicros(): number {
  const f = (readFileSync('/proc/stat', 'utf8').split('\n')[0] as string).trim().split(/\s+/).slice(1, 9).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return ((total - (f[3] as number) - (f[4] as number)) / CLK_TCK) * 1e6;
}

const tids = (): Set<string> => new Set(readdirSync('/proc/self/task'));


// ---------------------------------------------------------------------------------------------------------------------
// Targets

interface Target {
  readonly name: 'mosquitto' | 'embedded-plain' | 'embedded-iothub';
  readonly port: number;
  readonly publishers: LoadConn[];
  readonly subscriber: LoadConn;
  readonly cpu: CpuProbe;
}

const deviceIds = Array.from({ length: CONNECTIONS }, (_, i) => `bench-${String(i).padStart(4, '0')}`);
/** Plain topics, shaped and sized like the IoT Hub ones. */
const plainPublishers = (): LoadConn[] => deviceIds.map((id) => ({ clientId: id, topic: `fleets/${id}/messages/events/` }));

async function startMosquitto(): Promise<{ target: Target; stop: () => void; config: string }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'fleetsim-bench-mosquitto-'));
  // No per-client in-flight or queue caps (defaults 20 and 1000 would throttle and drop the one subscriber's fan-in,
  // which aedes does not do): both brokers write to the subscriber as fast as its socket takes it.
  const config = [`listener ${port} ${HOST}`, 'allow_anonymous true', 'persistence false', 'set_tcp_nodelay true', 'max_inflight_messages 0', 'max_queued_messages 0', 'log_dest stderr', 'log_type error'].join('\n');
  writeFileSync(join(dir, 'mosquitto.conf'), config + '\n');
  const child = spawn('mosquitto', ['-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitListening(port);
  const pid = child.pid as number;
  const target: Target = {
    name: 'mosquitto',
    port,
    publishers: plainPublishers(),
    subscriber: { clientId: 'bench-sub', topic: 'fleets/+/messages/events/#' },
    cpu: { read: () => ({ hub: procCpuMicros(`/proc/${pid}/stat`), thread: null }) },
  };
  return {
    target,
    config: config.replace(/\n/g, '; '),
    stop: () => {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The embedded hub in this process; its CPU: process.cpuUsage() (all threads), and the hub's own thread(s) from /proc. */
async function startEmbedded(): Promise<{ hub: EmbeddedHub; cpu: CpuProbe }> {
  const before = tids();
  const hub = await startEmbeddedHub();
  const hubTids = [...tids()].filter((t) => !before.has(t));
  const cpu: CpuProbe = {
    read: () => {
      const u = process.cpuUsage();
      let thread = 0;
      for (const t of hubTids) {
        try {
          thread += procCpuMicros(`/proc/self/task/${t}/stat`);
        } catch {
          // a short-lived helper thread ended
        }
      }
      return { hub: u.user + u.system, thread };
    },
  };
  return { hub, cpu };
}

async function iothubTarget(hub: EmbeddedHub, cpu: CpuProbe): Promise<Target> {
  const { hostName, serviceKey } = hub.iothub;
  const expiry = Math.floor(Date.now() / 1000) + 3600;
  const serviceSas = createSasToken({ resourceUri: hostName, keyBase64: serviceKey, expiry, policyName: 'iothubowner' });
  const keyOf = (id: string): string => Buffer.from(`fleetsim bench key of ${id}`.padEnd(32, '.')).toString('base64');
  for (let i = 0; i < deviceIds.length; i += 100) {
    const batch = deviceIds.slice(i, i + 100).map((id) => ({
      id,
      importMode: 'create',
      status: 'enabled',
      authentication: { type: 'sas', symmetricKey: { primaryKey: keyOf(id), secondaryKey: keyOf(id) } },
    }));
    const res = await fetch(`${hub.serviceUrl}/devices?api-version=2021-04-12`, {
      method: 'POST',
      headers: { authorization: serviceSas, 'content-type': 'application/json' },
      body: JSON.stringify(batch),
    });
    const body = (await res.json()) as { isSuccessful?: boolean };
    if (res.status !== 200 || body.isSuccessful !== true) throw new Error(`bulk registration failed: ${res.status} ${JSON.stringify(body)}`);
  }
  return {
    name: 'embedded-iothub',
    port: portOf(hub),
    publishers: deviceIds.map((id) => ({
      clientId: id,
      username: hubUsername(hostName, id),
      password: createSasToken({ resourceUri: deviceResource(hostName, id), keyBase64: keyOf(id), expiry }),
      topic: telemetryTopic(id),
    })),
    subscriber: { clientId: '$service-bench', username: `${hostName}/$service`, password: serviceSas, topic: 'devices/+/messages/events/#' },
    cpu,
  };
}

const portOf = (hub: EmbeddedHub): number => Number(new URL(hub.url).port);

// ---------------------------------------------------------------------------------------------------------------------
// One measurement

interface Row {
  target: string;
  qos: 0 | 1;
  conns: number;
  pub_per_s: number;
  recv_per_s: number;
  ack_p50_ms: number | string;
  ack_p99_ms: number | string;
  e2e_p50_ms: number;
  e2e_p99_ms: number;
  hub_cpu_pct: number;
  hub_thread_cpu_pct: number | string;
  pub_cpu_pct: number;
  sub_cpu_pct: number;
  others_cpu_pct: number;
  recv_per_hub_cpu_s: number;
  vs_mosquitto: number | string;
  cpu_eff_vs_mosquitto: number | string;
}

const ms = (us: number | null): number => Number(((us ?? 0) / 1000).toFixed(2));

async function measure(t: Target, qos: 0 | 1, pub: Loader, sub: Loader): Promise<Row> {
  const connected = async (l: Loader, conns: LoadConn[]): Promise<void> => {
    const m = await l.request({ type: 'connect', host: HOST, port: t.port, conns, qos, window: WINDOW, budget: BUDGET_PER_CONN * t.publishers.length });
    if (m.type !== 'connected') throw new Error('expected connected');
  };
  await connected(sub, [t.subscriber]);
  await connected(pub, t.publishers);
  const startAt = Date.now() + 200;
  const run = { type: 'run', startAt, measureFrom: startAt + WARMUP_S * 1000, measureTo: startAt + (WARMUP_S + MEASURE_S) * 1000 } as const;
  pub.post(run);
  sub.post(run);
  await sleep(run.measureFrom - Date.now());
  const cpu0 = t.cpu.read();
  const busy0 = machineBusyMicros();
  const t0 = performance.now();
  await sleep(run.measureTo - Date.now());
  const cpu1 = t.cpu.read();
  const busy1 = machineBusyMicros();
  const hubS = (performance.now() - t0) / 1000;
  await sleep(150); // the loaders' own end-of-window timers
  const p = await pub.result();
  const s = await sub.result();
  const ack = decodeHistogram(p.histogram);
  const e2e = decodeHistogram(s.histogram);
  const hubCpu = (cpu1.hub - cpu0.hub) / 1e6 / hubS;
  const recvPerS = s.inWindow / (s.windowMs / 1000);
  const pubCpu = p.cpuMicros / 1000 / p.windowMs;
  const subCpu = s.cpuMicros / 1000 / s.windowMs;
  const machine = (busy1 - busy0) / 1e6 / hubS;
  return {
    target: t.name,
    qos,
    conns: t.publishers.length,
    pub_per_s: Math.round(p.inWindow / (p.windowMs / 1000)),
    recv_per_s: Math.round(recvPerS),
    ack_p50_ms: qos === 1 ? ms(valueAtPercentile(ack, 50)) : '-',
    ack_p99_ms: qos === 1 ? ms(valueAtPercentile(ack, 99)) : '-',
    e2e_p50_ms: ms(valueAtPercentile(e2e, 50)),
    e2e_p99_ms: ms(valueAtPercentile(e2e, 99)),
    hub_cpu_pct: Math.round(hubCpu * 100),
    hub_thread_cpu_pct: cpu0.thread === null || cpu1.thread === null ? '-' : Math.round(((cpu1.thread - cpu0.thread) / 1e6 / hubS) * 100),
    pub_cpu_pct: Math.round(pubCpu * 100),
    sub_cpu_pct: Math.round(subCpu * 100),
    others_cpu_pct: Math.max(0, Math.round((machine - hubCpu - pubCpu - subCpu) * 100)),
    recv_per_hub_cpu_s: Math.round(recvPerS / Math.max(hubCpu, 1e-6)),
    vs_mosquitto: '-',
    cpu_eff_vs_mosquitto: '-',
  };
}

// ---------------------------------------------------------------------------------------------------------------------

const loadBefore = loadavg();
console.log(`hub throughput: ${CONNECTIONS} publisher connections × ${WINDOW} in flight (≤ ${BUDGET_PER_CONN * CONNECTIONS} end to end), ${PAYLOAD_BYTES}-byte JSON, ${WARMUP_S} s warm-up + ${MEASURE_S} s measured per row`);
console.log(`machine: ${cpus()[0]?.model ?? 'unknown cpu'}, ${availableParallelism()} cores, node ${process.version}, load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}\n`);

const mosquitto = await startMosquitto();
const { hub, cpu: embeddedCpu } = await startEmbedded();
const pub = new Loader('pub');
const sub = new Loader('sub');
sub.onProgress = (total) => pub.post({ type: 'progress', total });
const rows: Row[] = [];
try {
  const targets: Target[] = [
    mosquitto.target,
    { name: 'embedded-plain', port: portOf(hub), publishers: plainPublishers(), subscriber: { clientId: 'bench-sub', topic: 'fleets/+/messages/events/#' }, cpu: embeddedCpu },
    await iothubTarget(hub, embeddedCpu),
  ];
  for (const qos of [1, 0] as const) {
    const group: Row[] = [];
    for (const t of targets) group.push(await measure(t, qos, pub, sub));
    const base = group[0] as Row;
    for (const r of group.slice(1)) {
      r.vs_mosquitto = Number((r.recv_per_s / base.recv_per_s).toFixed(2));
      r.cpu_eff_vs_mosquitto = Number((r.recv_per_hub_cpu_s / base.recv_per_hub_cpu_s).toFixed(2));
    }
    rows.push(...group);
  }
} finally {
  pub.stop();
  sub.stop();
  mosquitto.stop();
  await hub.stop();
}
const loadAfter = loadavg();
console.table(rows);
console.log(`mosquitto: ${mosquitto.config}`);
console.log('window: a row\'s counts and CPU cover the same wall-clock interval in every process (after the warm-up), length measured by each process');
console.log(`flow: each publisher connection keeps ≤ ${WINDOW} in flight (QoS 1: unacked; QoS 0: unwritten socket writes), and the publisher keeps sent − received ≤ ${BUDGET_PER_CONN} × connections (the subscriber\'s count, relayed every ${PROGRESS_MS} ms), so no broker queue grows without bound`);
console.log('pub_per_s = QoS 1: PUBACKs received ÷ window; QoS 0: PUBLISHes written to the socket (write callback) ÷ window');
console.log('recv_per_s = messages the subscriber received ÷ window (QoS 1: it PUBACKs each); pub_per_s − recv_per_s = still queued or dropped');
console.log('ack_pNN = publish→PUBACK per message at the publisher (HDR histogram, µs → ms); e2e_pNN = send time in the payload → receipt at the subscriber (two processes\' wall clocks)');
console.log('hub_cpu_pct = hub CPU ÷ window × 100 (100 = one core). mosquitto: utime+stime of its pid from /proc/PID/stat. embedded: process.cpuUsage() of this');
console.log('  process, which hosts the hub thread, its idle main thread (the orchestrator) and V8/libuv helper threads (GC); hub_thread_cpu_pct: the hub\'s worker thread alone (/proc/self/task/TID/stat)');
console.log('pub_cpu_pct, sub_cpu_pct = process.cpuUsage() of the publisher / subscriber process over the window (single-threaded: ~100 = generator-bound)');
console.log(`others_cpu_pct = whole machine's busy CPU (/proc/stat, all ${availableParallelism()} cores, steal included) − hub − pub − sub: other processes competing for the cores`);
console.log('recv_per_hub_cpu_s = recv_per_s ÷ (hub_cpu_pct / 100): messages routed per CPU-second of the hub (robust to other load)');
console.log('vs_mosquitto = recv_per_s ÷ Mosquitto\'s recv_per_s at the same QoS (goal: embedded-iothub ≥ 0.5)');
console.log('cpu_eff_vs_mosquitto = recv_per_hub_cpu_s ÷ Mosquitto\'s at the same QoS: the same ratio if each hub had a core to itself');
console.log(`load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`);
console.log(JSON.stringify({ bench: 'hub', connections: CONNECTIONS, window: WINDOW, budget: BUDGET_PER_CONN * CONNECTIONS, payloadBytes: PAYLOAD_BYTES, warmupS: WARMUP_S, measureS: MEASURE_S, loadavg: { before: loadBefore, after: loadAfter }, rows }));
