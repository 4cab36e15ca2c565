/**
 * The live connection path, lean client vs mqtt.js, in the same run against the same private Mosquitto (issue 6):
 * memory per idle live connection, connect rate, QoS 0 messages per generator CPU-second, and generator CPU for
 * N devices at 1 msg/s QoS 1. Each client runs in a fresh child process (its own heap and RSS), one after the other,
 * driven through the Transport interface (src/transports/mqtt-client.ts, as the shard uses it), not the whole CLI.
 *
 * How each figure is measured (in the child, `process.cpuUsage()` = user + system CPU of the whole process):
 * - connect_per_s: N connections opened with at most WINDOW connects outstanding (each new one starts when one gets its
 *   CONNACK), from source addresses 127.0.0.2–5 (ConnectOptions.endpoint); N ÷ (first connect to last CONNACK).
 * - kib_per_conn_heap / kib_per_conn_rss: after all N are connected and idle for 1 s, two full GCs; (heapUsed, resp.
 *   RSS, after − before the first connect) ÷ N ÷ 1024. Heap counts JS objects (and Buffers' JS side); RSS adds native
 *   memory (sockets' handles, OpenSSL, buffers).
 * - qos0_msgs_per_cpu_s: BURST_ROUNDS rounds; in each round every connection publishes one QoS 0 message (130-byte
 *   JSON, a device's reading), then the round yields to the event loop (setImmediate), as the shard scheduler fires
 *   due devices in one timer callback. Messages ÷ CPU seconds from the first publish until every publish callback ran
 *   and 300 ms more (so the writes' syscalls are in).
 * - qos1_cpu_pct: every connection publishes one QoS 1 message per second, devices spread evenly over the second by a
 *   10 ms scheduler tick (like the shard's); CPU time ÷ wall time × 100 over QOS1_SECONDS (100 = one core), after a 2 s
 *   warm-up; acked/sent are checked.
 * Mosquitto has no subscriber here: it acknowledges and discards, so the figures are the generator's own.
 *
 *   npm run bench -- --only lean
 *   npm run build && node --import tsx bench/lean-client.ts [connections] [qos1 seconds]
 */
import { type ChildProcess, fork } from 'node:child_process';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startPrivateMosquitto } from '../test/support/private-mosquitto.js';

type Client = 'mqttjs' | 'lean';
const CLIENTS: readonly Client[] = ['mqttjs', 'lean'];
const WINDOW = 500;
const SOURCES = 4;
const BURST_ROUNDS = 20;
const PAYLOAD = JSON.stringify({ deviceId: 'bench-000000', seq: 1, ts: 1767225600000.123, temperature: 21.53, humidity: 45.2, battery: 3.71, rssi: -67 });

interface Figures {
  client: Client;
  connections: number;
  connect_per_s: number;
  kib_per_conn_heap: number;
  kib_per_conn_rss: number;
  qos0_msgs_per_cpu_s: number;
  qos1_cpu_pct: number;
  qos1_sent: number;
  qos1_acked: number;
}

const TARGETS: Record<string, { target: string; mqttjsPeer: string; better: 'lower' | 'higher' }> = {
  kib_per_conn_rss: { target: '≤ 4', mqttjsPeer: '15.5', better: 'lower' },
  connect_per_s: { target: '≥ 10000', mqttjsPeer: '2200', better: 'higher' },
  qos0_msgs_per_cpu_s: { target: '≥ 150000', mqttjsPeer: '~36000', better: 'higher' },
  qos1_cpu_pct: { target: '≤ 15', mqttjsPeer: '94', better: 'lower' },
};

if (process.argv[2] === '--child') await child(process.argv[3] as Client, Number(process.argv[4]), Number(process.argv[5]), Number(process.argv[6]));
else await parent();

async function parent(): Promise<void> {
  const n = Number(process.argv[2] ?? 10_000);
  const qos1Seconds = Number(process.argv[3] ?? 20);
  const load1 = loadavg()[0] ?? NaN;
  const mosquitto = await startPrivateMosquitto({ extra: ['max_inflight_messages 0', 'max_queued_messages 0', 'set_tcp_nodelay true'] });
  console.log(`\nlean-client bench: ${n} connections, QoS 1 for ${qos1Seconds} s, Mosquitto on ${mosquitto.url}`);
  console.log(`machine: ${cpus()[0]?.model ?? 'unknown cpu'}, ${availableParallelism()} cores, node ${process.version}, load1 ${load1.toFixed(2)} at start`);
  const rows: Figures[] = [];
  try {
    for (const client of CLIENTS) rows.push(await runChild(client, mosquitto.port, n, qos1Seconds));
  } finally {
    await mosquitto.stop();
  }
  const by = (c: Client): Figures => rows.find((r) => r.client === c) as Figures;
  const lean = by('lean');
  const mqttjs = by('mqttjs');
  const table = (Object.keys(TARGETS) as Array<keyof Figures & keyof typeof TARGETS>).map((k) => {
    const t = TARGETS[k] as (typeof TARGETS)[string];
    const l = lean[k] as number;
    const m = mqttjs[k] as number;
    return { figure: k, mqttjs: m, lean: l, 'lean ÷ mqttjs': Number((l / m).toFixed(2)), target: t.target, 'issue mqtt.js peer': t.mqttjsPeer };
  });
  table.push({ figure: 'kib_per_conn_heap', mqttjs: mqttjs.kib_per_conn_heap, lean: lean.kib_per_conn_heap, 'lean ÷ mqttjs': Number((lean.kib_per_conn_heap / mqttjs.kib_per_conn_heap).toFixed(2)), target: '-', 'issue mqtt.js peer': '-' });
  console.table(table);
  console.log(`QoS 1 acked/sent: mqttjs ${mqttjs.qos1_acked}/${mqttjs.qos1_sent}, lean ${lean.qos1_acked}/${lean.qos1_sent}`);
  console.log(`load1 at end ${(loadavg()[0] ?? NaN).toFixed(2)} (${availableParallelism()} cores; others' work on this machine inflates CPU figures and slows connects)`);
  console.log(JSON.stringify({ bench: 'lean-client', load1, rows }));
}

function runChild(client: Client, port: number, n: number, qos1Seconds: number): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const c: ChildProcess = fork(fileURLToPath(import.meta.url), ['--child', client, String(port), String(n), String(qos1Seconds)], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: Figures | undefined;
    c.on('message', (m: Figures) => {
      result = m;
    });
    c.on('exit', (code) => (result !== undefined ? resolve(result) : reject(new Error(`${client} child exited with ${code}`))));
  });
}

// ---------------------------------------------------------------------------------------------------------------------
// The child: one client, measured.

async function child(client: Client, port: number, n: number, qos1Seconds: number): Promise<void> {
  // The built package, as users run it (see bench/virtual.ts on why not the sources through tsx).
  const { createMqttClientTransport } = (await import(new URL('../dist/transports/mqtt-client.js', import.meta.url).href)) as typeof import('../src/transports/mqtt-client.js');
  const { compileScenarioText } = (await import(new URL('../dist/scenario/index.js', import.meta.url).href)) as typeof import('../src/scenario/index.js');
  type Conn = import('../src/transports/transport.js').Connection;
  const plan = compileScenarioText(
    `version: 1
name: bench
fleets:
  - { id: d, model: thermostat, count: 1, transport: { client: ${client}, keepalive: 60s, connectTimeout: 30s } }
phases: [{ kind: connect, rate: 10/s }]
`,
    'bench.yaml',
  ).fleets[0]?.transport;
  if (plan === undefined) throw new Error('no plan');
  const url = `mqtt://127.0.0.1:${port}`;
  const transport = createMqttClientTransport(url, plan);
  const gc = exposeGc();
  const settle = async (): Promise<void> => {
    await new Promise((r) => setTimeout(r, 1000));
    gc();
    gc();
  };
  await settle();
  const heap0 = process.memoryUsage().heapUsed;
  const rss0 = process.memoryUsage().rss;

  // Connect rate: a window of outstanding connects.
  const conns: Conn[] = [];
  const topics: string[] = [];
  let started = 0;
  let failed = 0;
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    const next = (): void => {
      if (started >= n) {
        if (conns.length + failed === n) resolve();
        return;
      }
      const i = started++;
      const id = `bench-${client}-${i}`;
      topics[i] = `bench/${id}/telemetry`;
      transport
        .connect({
          identity: { deviceId: id, clientId: id, username: undefined, password: undefined },
          onClose: () => {},
          // Source addresses 127.0.0.2–5: the machine's ephemeral ports are shared with whatever else runs on it.
          endpoint: { url, localAddress: `127.0.0.${2 + (i % SOURCES)}` },
        })
        .then(
          (c) => {
            conns.push(c);
            next();
          },
          (err: unknown) => {
            failed++;
            console.error(`${client}: connect failed: ${(err as Error).message}`);
            next();
          },
        );
    };
    for (let k = 0; k < WINDOW; k++) next();
  });
  const connectMs = performance.now() - t0;
  const connected = conns.length;

  // Memory per idle connection.
  await settle();
  const heapPer = (process.memoryUsage().heapUsed - heap0) / connected / 1024;
  const rssPer = (process.memoryUsage().rss - rss0) / connected / 1024;

  // QoS 0 burst.
  let written = 0;
  const total = BURST_ROUNDS * connected;
  const onWritten = (): void => {
    written++;
  };
  const cpu0 = process.cpuUsage();
  for (let r = 0; r < BURST_ROUNDS; r++) {
    for (let i = 0; i < connected; i++) (conns[i] as Conn).publish(topics[i] as string, PAYLOAD, 0, onWritten);
    await new Promise((resolve) => setImmediate(resolve));
  }
  while (written < total) await new Promise((resolve) => setImmediate(resolve));
  await new Promise((r) => setTimeout(r, 300));
  const burstCpu = process.cpuUsage(cpu0);
  const qos0PerCpuS = total / ((burstCpu.user + burstCpu.system) / 1e6);
  await new Promise((r) => setTimeout(r, 1000));

  // QoS 1, every device at 1 msg/s, spread over the second on a 10 ms tick.
  let sent = 0;
  let acked = 0;
  const onAck = (err: Error | undefined): void => {
    if (err === undefined) acked++;
  };
  const TICK = 10;
  const perTick = connected / (1000 / TICK);
  let cursor = 0;
  let carry = 0;
  const timer = setInterval(() => {
    carry += perTick;
    while (carry >= 1) {
      carry--;
      const i = cursor;
      cursor = (cursor + 1) % connected;
      sent++;
      (conns[i] as Conn).publish(topics[i] as string, PAYLOAD, 1, onAck);
    }
  }, TICK);
  await new Promise((r) => setTimeout(r, 2000)); // warm-up
  const sentAt = sent;
  const ackedAt = acked;
  const q0 = process.cpuUsage();
  const w0 = performance.now();
  await new Promise((r) => setTimeout(r, qos1Seconds * 1000));
  const q1 = process.cpuUsage(q0);
  const wallMs = performance.now() - w0;
  clearInterval(timer);
  await new Promise((r) => setTimeout(r, 1000));
  const figures: Figures = {
    client,
    connections: connected,
    connect_per_s: Math.round(connected / (connectMs / 1000)),
    kib_per_conn_heap: Number(heapPer.toFixed(2)),
    kib_per_conn_rss: Number(rssPer.toFixed(2)),
    qos0_msgs_per_cpu_s: Math.round(qos0PerCpuS),
    qos1_cpu_pct: Number((((q1.user + q1.system) / 1000 / wallMs) * 100).toFixed(1)),
    qos1_sent: sent - sentAt,
    qos1_acked: acked - ackedAt,
  };
  console.log(`  ${client}: ${JSON.stringify(figures)}`);
  process.send?.(figures);
  for (const c of conns) c.drop();
  setTimeout(() => process.exit(0), 200);
}

function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
