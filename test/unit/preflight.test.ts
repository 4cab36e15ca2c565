import { describe, expect, it } from 'vitest';
import { FleetsimError } from '../../src/core/errors.js';
import { BYTES_PER_DEVICE, PROCESS_FD_OVERHEAD, THREAD_FD_OVERHEAD, autoProcesses, describePreflight, preflight } from '../../src/engine/preflight.js';
import { layoutShards, parseShardSpec, shardDevices, splitShards } from '../../src/scenario/shard.js';

const limits = { fdsPerProcess: 20_000, ephemeralPorts: 28_232, availableBytes: 8 * 1024 ** 3 };
const base = { processes: undefined, threads: 2, endpoints: 1, sourceAddresses: 0, embedded: false, limits };

function refusal(fn: () => unknown): FleetsimError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FleetsimError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('preflight: processes and open files', () => {
  it('stays in one process while the sockets fit the limit', () => {
    const p = preflight({ ...base, devices: 10_000 });
    expect(p.processes).toBe(1);
    expect(p.fdsPerProcess).toBe(10_000 + PROCESS_FD_OVERHEAD + 2 * THREAD_FD_OVERHEAD);
    expect(p.fdsParent).toBe(p.fdsPerProcess);
  });

  it('picks the fewest processes that fit: 30,000 devices at 20,000 files each → 2', () => {
    const p = preflight({ ...base, devices: 30_000, endpoints: 2 });
    expect(p.processes).toBe(2);
    expect(p.fdsPerProcess).toBe(15_000 + PROCESS_FD_OVERHEAD + THREAD_FD_OVERHEAD);
    expect(p.fdsPerProcess).toBeLessThanOrEqual(20_000);
    expect(autoProcesses(200_000, 2, false, 20_000)).toBe(11);
    expect(autoProcesses(5, 1, false, undefined)).toBe(1);
  });

  it('counts the embedded hub: two files per device in one process, one when the devices move out', () => {
    expect(preflight({ ...base, devices: 9_000, embedded: true }).processes).toBe(1);
    const p = preflight({ ...base, devices: 12_000, embedded: true });
    expect(p.processes).toBe(2);
    expect(p.fdsParent).toBe(12_000 + PROCESS_FD_OVERHEAD + 1);
  });

  it('refuses what the embedded hub cannot hold, naming the fix', () => {
    const err = refusal(() => preflight({ ...base, devices: 25_000, embedded: true }));
    expect(err.code).toBe('FLEETSIM_E_USAGE');
    expect(err.exitCode()).toBe(2);
    expect(err.message).toContain('the embedded hub: it holds one open file per device in one process, whose limit is 20,000 (at most ~19,899 devices)');
    expect(err.hint).toContain('run several Mosquitto instances and --target them');
  });

  it('refuses too few explicit processes, naming how many would fit', () => {
    const err = refusal(() => preflight({ ...base, devices: 50_000, processes: 2, endpoints: 4 }));
    expect(err.message).toBe('50,000 devices over 2 processes need 25,110 open files per process; the limit is 20,000');
    expect(err.hint).toContain('--processes 3');
  });
});

describe('preflight: ephemeral ports', () => {
  it('refuses 80,000 devices to one endpoint from one address, with the fix', () => {
    const err = refusal(() => preflight({ ...base, devices: 80_000 }));
    expect(err.message).toBe('80,000 devices to one endpoint from one source address need 80,000 ephemeral ports; 28,232 are available (/proc/sys/net/ipv4/ip_local_port_range)');
    expect(err.hint).toContain('add endpoints, or --source-addresses 127.0.0.1-127.0.0.3');
  });

  it('spreads ports per endpoint without a pool, per source address with one', () => {
    expect(preflight({ ...base, devices: 80_000, endpoints: 4 }).portsNeeded).toBe(20_000);
    expect(preflight({ ...base, devices: 200_000, endpoints: 10, sourceAddresses: 16 }).portsNeeded).toBe(12_500);
    // A pool binds each socket's port on its address for every destination: more endpoints do not help then.
    expect(() => preflight({ ...base, devices: 60_000, endpoints: 8, sourceAddresses: 2 })).toThrow(/from 2 source addresses need 30,000 ephemeral ports on each/);
  });

  it('warns past half the range per endpoint without a pool (the kernel tries one parity first), naming enough endpoints', () => {
    expect(preflight({ ...base, devices: 14_116 }).warnings).toEqual([]);
    const p = preflight({ ...base, devices: 180_000, endpoints: 12 });
    expect(p.warnings).toEqual([
      '15,000 connections per endpoint pass half the ephemeral range (14,116): the kernel scans that half for every connect past it, and connects slow down; spread the devices over 13 or more endpoints (another listener port on the same broker counts)',
    ]);
    expect(describePreflight(p).split('\n')[1]).toBe(`preflight warning: ${p.warnings[0] ?? ''}`);
    expect(preflight({ ...base, devices: 180_000, endpoints: 24 }).warnings).toEqual([]);
    expect(preflight({ ...base, devices: 20_000, endpoints: 1, sourceAddresses: 1 }).warnings).toEqual([]); // a pool binds: another limit
  });

  it('checks nothing it cannot read, and describes the ceiling on one line', () => {
    const p = preflight({ ...base, devices: 1_000_000, limits: { fdsPerProcess: undefined, ephemeralPorts: undefined, availableBytes: undefined } });
    expect(p.processes).toBe(1);
    expect(p.memoryBytes).toBeGreaterThan(1_000_000 * BYTES_PER_DEVICE);
    const line = describePreflight(preflight({ ...base, devices: 30_000, endpoints: 2, sourceAddresses: 4 }));
    expect(line).toMatch(/^preflight: fd limit 20,000\/process; 2 shard processes \(15,110 fds each; parent 102\); 2 endpoints, 4 source addresses; 7,500 of 28,232 ephemeral ports per source address; ~\d[\d,]* MiB estimated/);
  });
});

describe('shards: --shard i/N and the process/thread layout', () => {
  it('parses 1-based i/N and refuses the rest', () => {
    expect(parseShardSpec('2/4')).toEqual({ index: 1, count: 4 });
    expect(parseShardSpec(' 1 / 1 ')).toEqual({ index: 0, count: 1 });
    for (const bad of ['0/2', '3/2', '1', 'a/b', '1/0', '-1/2']) expect(parseShardSpec(bad), bad).toHaveProperty('problem');
  });

  it('cuts the same ranges as splitShards, so N shards cover every device once', () => {
    const parts = [0, 1, 2].map((index) => shardDevices(10, { index, count: 3 }));
    expect(parts).toEqual(splitShards(10, 3).map((s) => ({ first: s.first, end: s.end })));
  });

  it('lays a range out over processes and threads with run-unique indices', () => {
    const layout = layoutShards({ first: 100, end: 110 }, 2, 2);
    expect(layout.map((p) => p.map((t) => [t.index, t.first, t.end]))).toEqual([
      [
        [0, 100, 102],
        [1, 102, 105],
      ],
      [
        [2, 105, 107],
        [3, 107, 110],
      ],
    ]);
    expect(layout.flat().every((t) => t.count === 4)).toBe(true);
    expect(layoutShards({ first: 0, end: 1 }, 2, 2)).toEqual([[{ index: 0, count: 1, first: 0, end: 1 }]]);
    expect(layoutShards({ first: 7, end: 7 }, 2, 2)).toEqual([[{ index: 0, count: 1, first: 7, end: 7 }]]);
  });
});
