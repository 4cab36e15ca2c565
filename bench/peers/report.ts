/** The peers table (stdout) and the machine it ran on. */
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';

export interface Machine {
  readonly date: string;
  readonly cpu: string;
  readonly cores: number;
  readonly ramGiB: number;
  readonly kernel: string;
  readonly node: string;
  readonly mosquitto: string;
  readonly fdLimit: string;
  readonly load1Before: number;
  load1After?: number;
}

export function machine(): Machine {
  const version = (cmd: string, args: string[]): string => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n')[0] ?? '';
    } catch (err) {
      // mosquitto -h prints its version on stdout and exits 3
      const out = (err as { stdout?: string }).stdout ?? '';
      return out.trim().split('\n')[0] ?? 'unknown';
    }
  };
  return {
    date: new Date().toISOString(),
    cpu: cpus()[0]?.model ?? 'unknown cpu',
    cores: availableParallelism(),
    ramGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    kernel: release(),
    node: process.version,
    mosquitto: version('mosquitto', ['-h']),
    fdLimit: version('sh', ['-c', 'ulimit -n']),
    load1Before: Number((loadavg()[0] ?? 0).toFixed(2)),
  };
}

export const describeMachine = (m: Machine): string =>
  `${m.date.slice(0, 10)}, ${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM, Linux ${m.kernel}, node ${m.node}, ${m.mosquitto}, open files ${m.fdLimit}/process, load1 ${m.load1Before}${
    m.load1After === undefined ? '' : ` → ${m.load1After}`
  }`;

export type ToolName = 'tsung' | 'mqttjs' | 'fleetsim' | 'floor' | 'nodefloor';

export interface TableRow {
  readonly measure: string;
  /** true when a lower figure is better (memory, CPU). */
  readonly lowerIsBetter: boolean;
  readonly unit: string;
  readonly target: string;
  readonly values: Partial<Record<ToolName, number | string>>;
}

const fmt = (v: number | string | undefined): string => {
  if (v === undefined) return '—';
  if (typeof v === 'string') return v;
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  return v >= 100 ? v.toFixed(0) : v.toFixed(1);
};

/** fleetsim ÷ the best peer's figure (best: lowest when lower is better, else highest); '—' when either is missing. */
export function ratio(r: TableRow): string {
  const f = r.values.fleetsim;
  const peers = [r.values.tsung, r.values.mqttjs].filter((v): v is number => typeof v === 'number' && v > 0);
  if (typeof f !== 'number' || peers.length === 0) return '—';
  const best = r.lowerIsBetter ? Math.min(...peers) : Math.max(...peers);
  return `${(f / best).toFixed(2)}×`;
}

export function renderTable(rows: readonly TableRow[]): string {
  const head = ['measure', 'Tsung 1.7', 'MQTT.js 5', 'fleetsim', 'target', 'fleetsim ÷ best peer', 'Node floor', 'C floor'];
  const body = rows.map((r) => [
    `${r.measure} (${r.unit})`,
    fmt(r.values.tsung),
    fmt(r.values.mqttjs),
    fmt(r.values.fleetsim),
    r.target,
    ratio(r),
    fmt(r.values.nodefloor),
    fmt(r.values.floor),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  return [line(head), `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...body.map(line)].join('\n');
}
