import { formatDuration } from '../core/duration.js';
import type { SecureOsCpu, SecureOsReport } from '../metrics/secure-os-report.js';
import { formatCount } from './format.js';
import { secureOsLines } from './secure-os-text.js';
import type { Style } from './style.js';

/** The measured figures of a virtual-time run (the engine's outcome extends this). */
export interface VirtualFigures {
  readonly workers: number;
  readonly samples: number;
  readonly bytes: number;
  /** Model time simulated: the timeline up to the end of telemetry. */
  readonly modelSpanMs: number;
  readonly wallMs: number;
  /** samples ÷ wall seconds, the whole run including thread start-up and output. */
  readonly samplesPerS: number;
  /** Σ heap growth while shards built their devices ÷ devices: memory per simulated device (V8 heap, approximate). */
  readonly heapPerDeviceBytes: number;
  /** Secure-OS fleets: the Secure OS tally (the live report's shape) and the CPU time of boots and attestations. */
  readonly secureOs?: { readonly report: SecureOsReport; readonly cpu: SecureOsCpu };
}

export interface VirtualSummaryInput extends VirtualFigures {
  readonly scenario: string;
  readonly seed: string;
  readonly devices: number;
  /** Where the NDJSON went: a file name, "stdout", or null (counted only). */
  readonly sink: string | null;
}

/**
 * The report of a virtual-time run. Formulas: samples/s = samples ÷ wall time of the whole run (threads, simulation,
 * output); speed-up = model time simulated ÷ wall time; memory per device = heap growth while shards built their
 * devices ÷ devices.
 */
export function renderVirtualSummary(v: VirtualSummaryInput, style: Style): string {
  const speedup = v.wallMs > 0 ? v.modelSpanMs / v.wallMs : 0;
  return [
    `${style.bold('fleetsim')}  ${v.scenario}  ${style.dim('virtual time')}`,
    `seed ${v.seed}  ·  devices ${formatCount(v.devices)}  ·  workers ${v.workers}`,
    '',
    `samples           ${formatCount(v.samples)}${v.sink === null ? style.dim('  (counted, not written: --sink FILE or --sink stdout keeps them)') : `  → ${v.sink} (${formatCount(v.bytes)} bytes)`}`,
    `model time        ${formatDuration(v.modelSpanMs)} in ${formatDuration(v.wallMs)} of wall time (${speedup >= 100 ? Math.round(speedup).toLocaleString('en-US') : speedup.toFixed(1)}× real time)`,
    `throughput        ${formatCount(Math.round(v.samplesPerS))} samples/s`,
    `memory per device ${(v.heapPerDeviceBytes / 1024).toFixed(2)} KiB ${style.dim('(heap growth while building devices ÷ devices)')}`,
    ...secureLines(v.secureOs, style),
  ].join('\n');
}

/**
 * The live report's Secure OS section (no hub side: the verifier runs in each shard) and, in place of attestation
 * latency, the time of the work: mean = Σ step time ÷ steps, per kind of step, summed over shards. A step's time is
 * performance.now() around it in its thread: its CPU time on an idle machine, more when other work preempts the thread
 * (Node 20 has no per-thread CPU clock). There is no network in virtual time, so no latency is reported.
 */
function secureLines(s: VirtualFigures['secureOs'], style: Style): string[] {
  if (s === undefined) return [];
  const { cpu } = s;
  const mean = (ms: number, n: number): string => (n === 0 ? '—' : `${((ms / n) * 1000).toFixed(0)} µs`);
  return [
    '',
    ...secureOsLines(s.report, style),
    `  work          measured boot ${mean(cpu.bootMs, cpu.boots)} × ${formatCount(cpu.boots)}  ·  attestation ${mean(cpu.attestMs, cpu.attestations)} × ${formatCount(cpu.attestations)}  ·  total ${formatDuration(cpu.bootMs + cpu.attestMs)}` +
      style.dim('  (mean time of each step in its shard thread, in process: CPU time on an idle machine; no network latency)'),
  ];
}
