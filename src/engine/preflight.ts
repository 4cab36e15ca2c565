/**
 * Preflight: before a live run, the machine's ceiling for it (open files per process, ephemeral ports per
 * destination or source address, memory) and the refusal, with the fix, of a run that cannot fit. Pure arithmetic on
 * injected limits (readLimits reads this machine's); every constant below says where it comes from.
 */
import { readFileSync } from 'node:fs';
import { freemem } from 'node:os';
import { FleetsimError } from '../core/errors.js';

/**
 * Open files a process uses besides device sockets: stdio, libuv's epoll and signal fds, IPC pipe, module and log
 * files, the observer's connections. Measured 2026-11-23 on the 2-core dev machine (ls /proc/PID/fd during the
 * 30,000-device scale test): a shard process with one worker thread held 15,025 = 15,000 sockets + 25; the parent 28.
 * 100 leaves room for a few more threads' handles and transient files.
 */
export const PROCESS_FD_OVERHEAD = 100;
/** Each worker thread's own libuv loop (epoll, eventfds, async handles, piscina's ports): a margin of 10 per thread. */
export const THREAD_FD_OVERHEAD = 10;
/**
 * Memory per live device over mqtt.js, client side (RSS). Measured 2026-11-23 in the 30,000-device scale test (VmRSS of
 * each shard process, 15,000 thermostats each at QoS 1, minus the process's RSS before connecting): 20 and 25 KiB per
 * device (issue 6 gives 15.5 KiB for a bare idle mqtt.js connection). An estimate, printed as one.
 */
export const BYTES_PER_DEVICE = 24 * 1024;
/** Per live connection held by the embedded hub (aedes client, socket buffers): NOT measured yet, an assumption. */
export const HUB_BYTES_PER_DEVICE = 16 * 1024;
/** A Node process with fleetsim loaded, and each worker thread's isolate: a shard process with one thread measured ~100 MiB RSS before its devices connected (same run). */
export const PROCESS_BYTES = 64 * 1024 * 1024;
export const THREAD_BYTES = 36 * 1024 * 1024;

export interface MachineLimits {
  /** Open files per process (soft limit); undefined where it cannot be read. */
  readonly fdsPerProcess: number | undefined;
  /** Size of the ephemeral port range; undefined where it cannot be read. */
  readonly ephemeralPorts: number | undefined;
  /** Memory available now, in bytes. */
  readonly availableBytes: number | undefined;
}

export interface PreflightInput {
  /** Devices this run drives (its own shard with --shard). */
  readonly devices: number;
  /** Requested shard processes; undefined: the fewest that fit the open-file limit. */
  readonly processes: number | undefined;
  /** Worker threads in all (split over the processes, at least one each). */
  readonly threads: number;
  /** Broker endpoints devices spread over (the embedded hub: 1). */
  readonly endpoints: number;
  /** Local source addresses (0: the OS picks the address). */
  readonly sourceAddresses: number;
  readonly embedded: boolean;
  readonly limits: MachineLimits;
}

export interface Preflight {
  readonly devices: number;
  readonly processes: number;
  readonly threadsPerProcess: number;
  readonly fdLimit: number | undefined;
  /** Open files the busiest shard process needs (all devices' sockets when processes = 1). */
  readonly fdsPerProcess: number;
  /** Open files the parent needs: the embedded hub's sockets (one per device), plus the devices when processes = 1. */
  readonly fdsParent: number;
  readonly endpoints: number;
  readonly sourceAddresses: number;
  /** Ephemeral ports available per destination (no source pool) or per source address (with one). */
  readonly portsAvailable: number | undefined;
  /** The most ports one destination (or one source address) needs. */
  readonly portsNeeded: number;
  /** What will fit but slowly (printed under the preflight line). */
  readonly warnings: readonly string[];
  readonly memoryBytes: number;
  readonly availableBytes: number | undefined;
}

/** This machine's limits (Linux /proc); undefined where unreadable, and preflight then checks nothing for it. */
export function readLimits(): MachineLimits {
  return { fdsPerProcess: readFdLimit(), ephemeralPorts: readPortRange(), availableBytes: freemem() };
}

function readFdLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}

function readPortRange(): number | undefined {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return lo === undefined || hi === undefined || !(hi >= lo) ? undefined : hi - lo + 1;
  } catch {
    return undefined;
  }
}

const n = (v: number): string => v.toLocaleString('en-US');

/**
 * The ceiling for the run, or a FleetsimError (FLEETSIM_E_USAGE, exit 2) naming the limit it hits and the fix.
 * Formulas: a shard process needs ceil(devices / processes) sockets + PROCESS_FD_OVERHEAD + threads × THREAD_FD_OVERHEAD
 * open files; the parent needs, with the embedded hub, one per device (the hub's side of each connection) and, when
 * the devices run in it (processes = 1), their sockets too. Ports: without a source pool each destination endpoint
 * gets ceil(devices / endpoints) connections, each on its own ephemeral port; with a pool, Node binds each socket to
 * its address before connecting, which reserves the port on that address for every destination, so each address
 * needs ceil(devices / addresses) ports. Memory: devices × BYTES_PER_DEVICE (+ HUB_BYTES_PER_DEVICE when embedded) +
 * processes × PROCESS_BYTES + threads × THREAD_BYTES.
 */
export function preflight(input: PreflightInput): Preflight {
  const { devices, endpoints, sourceAddresses, embedded, limits } = input;
  const limit = limits.fdsPerProcess;
  const threads = Math.max(1, input.threads);
  const processes = input.processes ?? autoProcesses(devices, threads, embedded, limit);
  const threadsPerProcess = Math.max(1, Math.ceil(threads / processes));
  const overhead = PROCESS_FD_OVERHEAD + threadsPerProcess * THREAD_FD_OVERHEAD;
  const perProcess = Math.ceil(devices / processes);
  const fdsPerProcess = perProcess + overhead;
  const hubFds = embedded ? devices : 0;
  const fdsParent = (processes === 1 ? fdsPerProcess : PROCESS_FD_OVERHEAD + endpoints) + hubFds;
  const portsNeeded = sourceAddresses > 0 ? Math.ceil(devices / sourceAddresses) : Math.ceil(devices / Math.max(1, endpoints));
  const memoryBytes =
    devices * (BYTES_PER_DEVICE + (embedded ? HUB_BYTES_PER_DEVICE : 0)) + (processes + (processes > 1 ? 1 : 0)) * PROCESS_BYTES + threadsPerProcess * processes * THREAD_BYTES;
  const result: Preflight = {
    devices,
    processes,
    threadsPerProcess,
    fdLimit: limit,
    fdsPerProcess,
    fdsParent,
    endpoints,
    sourceAddresses,
    portsAvailable: limits.ephemeralPorts,
    portsNeeded,
    warnings: portWarnings(portsNeeded, limits.ephemeralPorts, sourceAddresses, endpoints),
    memoryBytes,
    availableBytes: limits.availableBytes,
  };
  check(result, embedded, input.processes !== undefined);
  return result;
}

/**
 * Linux picks a connecting socket's port per destination and tries one parity of the range first (even ports), so
 * past half the range to one destination every connect scans that half before it finds a port of the other parity:
 * connects slow down as the kernel burns CPU (measured: 12 brokers, one port each, stalled at ~15,000 connections per
 * broker, 180,427 in all; two ports each reached 200,000). Another listener port on a broker is a destination too.
 */
function portWarnings(needed: number, available: number | undefined, sourceAddresses: number, endpoints: number): string[] {
  if (available === undefined || sourceAddresses > 0 || needed <= available / 2 || needed > available) return [];
  const enough = Math.ceil((needed * endpoints) / Math.floor(available / 2));
  return [
    `${n(needed)} connections per endpoint pass half the ephemeral range (${n(Math.floor(available / 2))}): the kernel scans that half for every connect past it, and connects slow down; spread the devices over ${enough} or more endpoints (another listener port on the same broker counts)`,
  ];
}

/** 1 unless the devices' sockets (and, with the embedded hub, its own) would pass the open-file limit of one process. */
export function autoProcesses(devices: number, threads: number, embedded: boolean, limit: number | undefined): number {
  if (limit === undefined || devices === 0) return 1;
  const perThread = THREAD_FD_OVERHEAD * Math.max(1, threads);
  if (devices * (embedded ? 2 : 1) + PROCESS_FD_OVERHEAD + perThread <= limit) return 1;
  const room = limit - PROCESS_FD_OVERHEAD - THREAD_FD_OVERHEAD;
  return Math.max(2, Math.ceil(devices / Math.max(1, room)));
}

function check(p: Preflight, embedded: boolean, explicitProcesses: boolean): void {
  const limit = p.fdLimit;
  if (limit !== undefined && embedded && p.fdsParent > limit) {
    const most = limit - PROCESS_FD_OVERHEAD - p.endpoints;
    throw new FleetsimError(
      'FLEETSIM_E_USAGE',
      `${n(p.devices)} devices do not fit the embedded hub: it holds one open file per device in one process, whose limit is ${n(limit)} (at most ~${n(most)} devices)`,
      { hint: 'run several Mosquitto instances and --target them (mqtt://127.0.0.1:1884,mqtt://127.0.0.1:1885), or fewer devices' },
    );
  }
  if (limit !== undefined && p.fdsPerProcess > limit) {
    const fit = autoProcesses(p.devices, p.threadsPerProcess * p.processes, embedded, limit);
    throw new FleetsimError(
      'FLEETSIM_E_USAGE',
      `${n(p.devices)} devices over ${p.processes} process${p.processes === 1 ? '' : 'es'} need ${n(p.fdsPerProcess)} open files per process; the limit is ${n(limit)}`,
      { hint: explicitProcesses ? `use --processes ${fit} or more (or omit --processes: fleetsim picks the fewest that fit)` : 'raise ulimit -n, or split the run with --shard i/N over machines' },
    );
  }
  const ports = p.portsAvailable;
  if (ports !== undefined && p.portsNeeded > ports) {
    const addresses = Math.ceil(p.devices / ports);
    const what =
      p.sourceAddresses > 0
        ? `${n(p.devices)} devices from ${n(p.sourceAddresses)} source address${p.sourceAddresses === 1 ? '' : 'es'} need ${n(p.portsNeeded)} ephemeral ports on each`
        : `${n(p.devices)} devices to ${p.endpoints === 1 ? 'one endpoint' : `${p.endpoints} endpoints`} from one source address need ${n(p.portsNeeded)} ephemeral ports${p.endpoints === 1 ? '' : ' per endpoint'}`;
    throw new FleetsimError('FLEETSIM_E_USAGE', `${what}; ${n(ports)} are available (/proc/sys/net/ipv4/ip_local_port_range)`, {
      hint: `add endpoints, or --source-addresses 127.0.0.1-127.0.0.${Math.min(254, Math.max(2, addresses))} (loopback targets), or widen net.ipv4.ip_local_port_range`,
    });
  }
}

/** One line for the run banner and `fleetsim validate`. */
export function describePreflight(p: Preflight): string {
  const fd = p.fdLimit === undefined ? 'fd limit unknown' : `fd limit ${n(p.fdLimit)}/process`;
  const procs = p.processes === 1 ? `1 process (${n(p.fdsParent)} fds)` : `${p.processes} shard processes (${n(p.fdsPerProcess)} fds each; parent ${n(p.fdsParent)})`;
  const dest = `${p.endpoints} endpoint${p.endpoints === 1 ? '' : 's'}`;
  const src = p.sourceAddresses === 0 ? 'OS-chosen source address' : `${n(p.sourceAddresses)} source addresses`;
  const ports = `${n(p.portsNeeded)} of ${p.portsAvailable === undefined ? '?' : n(p.portsAvailable)} ephemeral ports per ${p.sourceAddresses > 0 ? 'source address' : 'endpoint'}`;
  const mem = `~${mib(p.memoryBytes)} MiB estimated${p.availableBytes === undefined ? '' : ` (${mib(p.availableBytes)} MiB free)`}`;
  return [`preflight: ${fd}; ${procs}; ${dest}, ${src}; ${ports}; ${mem}`, ...p.warnings.map((w) => `preflight warning: ${w}`)].join('\n');
}

function mib(bytes: number): string {
  return n(Math.round(bytes / 1048576));
}
