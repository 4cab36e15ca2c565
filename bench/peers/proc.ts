/**
 * A tool's process tree, read from /proc, so every tool is measured the same way and independently of its own claims.
 *
 *   CPU    = Σ over the tree of utime + stime (/proc/PID/stat fields 14 and 15, in USER_HZ ticks = 1/100 s) plus
 *            cutime + cstime (fields 16, 17: children it reaped), so a process of the tree that exited still counts.
 *   memory = Σ over the tree of VmRSS (/proc/PID/status), KiB.
 *
 * The tree is the root and every process whose parent chain reaches it (PPid from /proc/PID/stat), re-read on each
 * sample, so processes the tool starts later (fleetsim's shard processes) are included; processes a tool detaches
 * (Tsung's extra Erlang VMs are started `-detached`, re-parented to init) are found by a marker the bench puts in
 * the tool's environment, which they inherit.
 */
import { readFileSync, readdirSync } from 'node:fs';

const CLK_TCK = 100;

interface Stat {
  readonly ppid: number;
  /** utime + stime, µs. */
  readonly cpu: number;
  /** cutime + cstime (reaped children), µs. */
  readonly childCpu: number;
}

function readStat(pid: number): Stat | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' '); // f[0] is field 3 (state)
    const ticks = (i: number): number => Number(f[i]);
    return { ppid: ticks(1), cpu: ((ticks(11) + ticks(12)) / CLK_TCK) * 1e6, childCpu: ((ticks(13) + ticks(14)) / CLK_TCK) * 1e6 };
  } catch {
    return undefined; // it exited meanwhile
  }
}

/** Whether a process carries `marker` (NAME=value) in its environment. */
function hasMarker(pid: number, marker: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(marker);
  } catch {
    return false;
  }
}

/**
 * The root and all its descendants, by one pass over /proc; with a marker, also every process that carries it in its
 * environment and their descendants (processes a tool detached from its tree, as Tsung's extra Erlang VMs).
 */
export function processTree(root: number, marker?: string): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const st = readStat(pid);
    if (st !== undefined) parent.set(pid, st.ppid);
  }
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parent) {
    const list = children.get(ppid);
    if (list === undefined) children.set(ppid, [pid]);
    else list.push(pid);
  }
  const out: number[] = [];
  const stack = [root];
  if (marker !== undefined) for (const pid of parent.keys()) if (pid !== root && hasMarker(pid, marker)) stack.push(pid);
  const seen = new Set<number>();
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    if (!parent.has(pid) || seen.has(pid)) continue;
    seen.add(pid);
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

export interface TreeSample {
  /** performance.now() when read, ms. */
  readonly at: number;
  readonly pids: number;
  /** CPU µs of the tree so far (see the file comment). */
  readonly cpuMicros: number;
  /** Σ VmRSS, bytes. */
  readonly rssBytes: number;
}

function rssBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? 0 : Number(m[1]) * 1024;
  } catch {
    return 0;
  }
}

export function sampleTree(root: number, marker?: string): TreeSample {
  const pids = processTree(root, marker);
  let cpu = 0;
  let rss = 0;
  for (const pid of pids) {
    const st = readStat(pid);
    if (st === undefined) continue;
    cpu += st.cpu + st.childCpu;
    rss += rssBytes(pid);
  }
  return { at: performance.now(), pids: pids.length, cpuMicros: cpu, rssBytes: rss };
}
