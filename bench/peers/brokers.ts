/**
 * The brokers every tool is measured against: private Mosquitto instances on free loopback ports, and the two
 * broker-side instruments, so no figure depends on what a tool says about itself.
 *
 *   live connections  = established TCP connections whose local port is a broker's port
 *                       (`ss -Htn state established '( sport = :P … )'`, counted per broker), minus the bench's own
 *                       monitor connections (excluded by their client-side port).
 *   messages received = Mosquitto's `$SYS/broker/publish/messages/received` counter (PUBLISH packets it read), which
 *                       it publishes every second (`sys_interval 1`); the bench subscribes with one monitor client.
 *
 * Each instance holds at most ~19,000 connections: the open-file limit is 20,000 per process and cannot be raised here.
 * An instance may listen on several ports (`listeners`): each port is a destination of its own for the kernel, which
 * picks a connection's ephemeral port per destination and, past half the range (~14,000 with the default 32768–60999),
 * scans the whole other half for every connect (it tries one parity first).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MqttClient, mqtt } from '../../src/transports/mqtt/lib.js';
import { onCleanup } from './cleanup.js';

export const HOST = '127.0.0.1';
/** Connections one Mosquitto instance is given at most (its fd limit is 20,000; a few are its own). */
export const PER_BROKER = 19_000;

export interface Broker {
  /** The first listener (the monitors' port). */
  readonly port: number;
  readonly pid: number;
  readonly url: string;
  /** Every listener, the first included. */
  readonly ports: readonly number[];
  readonly urls: readonly string[];
}

export interface BrokerSet {
  readonly brokers: readonly Broker[];
  readonly config: string;
  /** Established connections per broker (monitor connections excluded). */
  connections(): Promise<number[]>;
  stop(): void;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, HOST, () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Wait until something accepts connections on HOST:port (5 s at most). */
export async function waitListening(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = netConnect({ host: HOST, port }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`nothing listens on ${HOST}:${port}`);
}

/** Ports of the bench's own client connections (monitors), left out of the counts. */
const monitorPorts = new Set<number>();
/** Every port a broker of this bench listened on: a closed connection on one of them holds no client port. */
const brokerPortsEver = new Set<number>();

export async function startBrokers(count: number, listeners = 1): Promise<BrokerSet> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetsim-bench-peers-'));
  const children: ChildProcess[] = [];
  const brokers: Broker[] = [];
  const lines = (ports: readonly number[]): string[] => [
    ...ports.map((port) => `listener ${port} ${HOST}`),
    'allow_anonymous true',
    'max_connections -1',
    'persistence false',
    'sys_interval 1',
    'log_dest none',
  ];
  const stop = (): void => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  const off = onCleanup(stop);
  try {
    for (let i = 0; i < count; i++) {
      const ports: number[] = [];
      while (ports.length < listeners) {
        const p = await freePort();
        if (!ports.includes(p)) ports.push(p);
      }
      const port = ports[0] as number;
      const file = join(dir, `mosquitto-${i}.conf`);
      writeFileSync(file, lines(ports).join('\n') + '\n');
      const child = spawn('mosquitto', ['-c', file], { stdio: ['ignore', 'ignore', 'inherit'] });
      children.push(child);
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', (e) => reject(new Error(`cannot start mosquitto (${e.message}): apt-get install mosquitto`)));
      });
      for (const p of ports) await waitListening(p);
      for (const p of ports) brokerPortsEver.add(p);
      const urls = ports.map((p) => `mqtt://${HOST}:${p}`);
      brokers.push({ port, pid: child.pid as number, url: urls[0] as string, ports, urls });
    }
  } catch (err) {
    stop();
    off();
    throw err;
  }
  return {
    brokers,
    config: `${listeners === 1 ? '' : `${listeners} listeners each; `}${lines([]).join('; ')}`,
    connections: () => countConnections(brokers.map((b) => b.ports)),
    stop: () => {
      stop();
      off();
    },
  };
}

/** The port of an `ss` address column (`127.0.0.1:1883`, `[::1]:1883`). */
const portOf = (address: string): number => Number(address.slice(address.lastIndexOf(':') + 1));

/** Established connections per broker (the sum over its listener ports), from the kernel's socket table (ss), monitors excluded. */
export function countConnections(brokerPorts: readonly (readonly number[])[]): Promise<number[]> {
  const ports = brokerPorts.flat();
  const filter = `( ${ports.map((p) => `sport = :${p}`).join(' or ')} )`;
  return new Promise((resolve, reject) => {
    execFile('ss', ['-Htn', 'state', 'established', filter], { maxBuffer: 256 * 1024 * 1024 }, (err, stdout) => {
      if (err !== null) return reject(new Error(`ss failed: ${err.message}`));
      const counts = brokerPorts.map(() => 0);
      const index = new Map(brokerPorts.flatMap((ps, i) => ps.map((p) => [p, i] as const)));
      for (const line of stdout.split('\n')) {
        if (line.length === 0) continue;
        // Recv-Q Send-Q Local:Port Peer:Port (state is omitted when filtered by one state)
        const cols = line.trim().split(/\s+/);
        const local = cols[2] ?? '';
        const peer = cols[3] ?? '';
        const i = index.get(portOf(local));
        if (i === undefined || monitorPorts.has(portOf(peer))) continue;
        counts[i] = (counts[i] ?? 0) + 1;
      }
      resolve(counts);
    });
  });
}

/**
 * Clients with an MQTT session per broker (Mosquitto's retained `$SYS/broker/clients/connected`, updated every
 * second), less the monitor that reads it: unlike the socket count, a socket whose CONNECT is still unanswered or timed
 * out is not a client.
 */
export async function mqttClients(brokers: readonly Broker[]): Promise<number[]> {
  return Promise.all(
    brokers.map(async (broker) => {
      const client = mqtt.connect(broker.url, { clientId: `bench-clients-${broker.port}`, reconnectPeriod: 0 });
      try {
        await new Promise<void>((resolve, reject) => {
          client.once('connect', () => resolve());
          client.once('error', reject);
        });
        // The first message is the retained value from before this monitor connected; the next one counts it.
        let seen = 0;
        const value = new Promise<number>((resolve) =>
          client.on('message', (_t, payload) => {
            if (++seen === 2) resolve(Number(payload.toString()));
          }),
        );
        await client.subscribeAsync('$SYS/broker/clients/connected');
        const n = await Promise.race([value, sleep(3000).then(() => NaN)]);
        return n - 1;
      } finally {
        client.end(true);
      }
    }),
  );
}

export interface CounterSample {
  /** performance.now() when the broker's update arrived, ms. */
  readonly at: number;
  readonly received: number;
}

/** Follows one broker's `$SYS/broker/publish/messages/received`; `onSample` runs as each update arrives. */
export class MessageCounter {
  private constructor(private readonly client: MqttClient) {}

  static async start(broker: Broker, onSample: (s: CounterSample) => void): Promise<MessageCounter> {
    const client = mqtt.connect(broker.url, { clientId: `bench-monitor-${broker.port}`, reconnectPeriod: 0, keepalive: 60 });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    const port = (client.stream as { localPort?: number }).localPort;
    if (port !== undefined) monitorPorts.add(port);
    client.on('message', (_topic, payload) => onSample({ at: performance.now(), received: Number(payload.toString()) }));
    await client.subscribeAsync('$SYS/broker/publish/messages/received');
    return new MessageCounter(client);
  }

  async stop(): Promise<void> {
    const port = (this.client.stream as { localPort?: number }).localPort;
    await this.client.endAsync(true);
    if (port !== undefined) monitorPorts.delete(port);
  }
}

/**
 * Client-side sockets of closed connections (TIME-WAIT, and the other closing states) in the kernel's socket table:
 * those whose local port is not a broker's, i.e. that hold one of the ephemeral ports the next tool connects from.
 */
function closingSockets(): Promise<{ timeWait: number; closing: number }> {
  const states = ['time-wait', 'fin-wait-1', 'fin-wait-2', 'close-wait', 'last-ack', 'closing'].flatMap((st) => ['state', st]);
  return new Promise((resolve) =>
    execFile('ss', ['-Htan', ...states], { maxBuffer: 256 * 1024 * 1024 }, (err, stdout) => {
      let timeWait = 0;
      let closing = 0;
      for (const line of err === null ? stdout.split('\n') : []) {
        // State Recv-Q Send-Q Local:Port Peer:Port (several states asked: the state column is kept)
        const cols = line.trim().split(/\s+/);
        const local = cols[3] ?? '';
        if (cols.length < 5 || brokerPortsEver.has(portOf(local))) continue;
        if (cols[0] === 'TIME-WAIT') timeWait++;
        else closing++;
      }
      resolve({ timeWait, closing });
    }),
  );
}

/**
 * Before a measurement: wait (at most `limitS`; TIME-WAIT lasts 60 s) until the last measurement's closed connections
 * hold few local ports: fewer than 1,000 in closing states (their ports are not reused) and fewer than 20,000 in
 * TIME-WAIT (reusable on loopback, but not within a second). A crashed tool's tens of thousands otherwise leave the
 * next tool's connects at 20,000/s an ephemeral range too small (EADDRNOTAVAIL, seen after Tsung's 40,000 ramp crashed).
 * Returns the seconds waited.
 */
export async function waitForClosedPorts(limitS = 65): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const s = await closingSockets();
    if ((s.closing < 1000 && s.timeWait < 20_000) || performance.now() - t0 >= limitS * 1000) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return Math.round((performance.now() - t0) / 1000);
}
