import { writeFileSync } from 'node:fs';
import { FleetsimError } from '../core/errors.js';
import { formatDuration, parseDuration } from '../core/duration.js';
import { type Preview, preview } from '../engine/preview.js';
import { type ChartInput, renderChartGrid } from '../report/svg-chart.js';
import { csvHeader, csvLine, ndjsonLine } from '../report/telemetry-format.js';
import type { Terminal } from './terminal.js';

export interface PreviewArgs {
  readonly subject: string;
  readonly devices: number;
  readonly duration: string | undefined;
  readonly every: string;
  readonly seed: string | undefined;
  readonly set: readonly string[];
  readonly format: 'ndjson' | 'csv' | undefined;
  readonly out: string | undefined;
  readonly plot: string | undefined;
  readonly quiet: boolean;
}

/** `fleetsim preview`: a few devices in virtual time → NDJSON or CSV, and an SVG chart of every channel. */
export async function previewCommand(args: PreviewArgs, term: Terminal): Promise<number> {
  if (!Number.isInteger(args.devices) || args.devices < 1) {
    throw new FleetsimError('FLEETSIM_E_USAGE', `--devices must be a whole number ≥ 1; got ${args.devices}`);
  }
  const durationMs = args.duration === undefined ? undefined : parseDurationFlag(args.duration);
  const started = performance.now();
  const result = await preview({
    subject: args.subject,
    devices: args.devices,
    durationMs,
    every: args.every,
    seed: args.seed,
    params: parseSets(args.set),
  });
  const format = args.format ?? (args.out?.endsWith('.csv') === true ? 'csv' : 'ndjson');
  const text = format === 'csv' ? toCsv(result) : result.samples.map((s) => ndjsonLine(toRecord(s))).join('');
  if (args.out === undefined || args.out === '-') process.stdout.write(text);
  else writeFileSync(args.out, text);
  if (args.plot !== undefined) writeFileSync(args.plot, renderChartGrid(charts(result)));
  if (!args.quiet) {
    const ms = performance.now() - started;
    const where = [args.out === undefined || args.out === '-' ? null : args.out, args.plot ?? null].filter((x) => x !== null);
    term.err(
      `${result.samples.length.toLocaleString('en-US')} samples from ${countDevices(result)} devices over ` +
        `${formatDuration(lastTs(result) - result.plan.startTimeMs)} of model time in ${formatDuration(ms)}` +
        (where.length > 0 ? ` → ${where.join(', ')}` : ''),
    );
  }
  return 0;
}

function parseDurationFlag(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) throw new FleetsimError('FLEETSIM_E_USAGE', `--duration must be a duration such as 24h or 90m; got "${text}"`);
  return ms;
}

/** --set name=value: numbers and true/false are typed; anything else is a string. */
function parseSets(sets: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new FleetsimError('FLEETSIM_E_USAGE', `--set expects name=value; got "${s}"`, { hint: 'e.g. --set setpoint=19' });
    const raw = s.slice(eq + 1);
    const n = Number(raw);
    // A dotted name sets a nested param, e.g. a composed model's block: --set air.setpointC=18.
    const keys = s.slice(0, eq).split('.');
    let at = out;
    for (const key of keys.slice(0, -1)) {
      const next = at[key];
      at = (at[key] = next !== null && typeof next === 'object' ? next : {}) as Record<string, unknown>;
    }
    at[keys[keys.length - 1] as string] = raw === 'true' ? true : raw === 'false' ? false : raw.trim() !== '' && Number.isFinite(n) ? n : raw;
  }
  return out;
}

type FlatRecord = { deviceId: string; seq: number; ts: number } & Record<string, number | string | boolean | null>;

function toRecord(s: Preview['samples'][number]): FlatRecord {
  return { deviceId: s.deviceId, seq: s.seq, ts: s.ts, ...s.readings };
}

function toCsv(p: Preview): string {
  const channels = Object.keys(p.channels);
  return csvHeader(channels) + p.samples.map((s) => csvLine(toRecord(s), channels)).join('');
}

/** One chart per numeric or boolean channel, one series per device. */
function charts(p: Preview): ChartInput[] {
  return Object.entries(p.channels).map(([name, info]) => {
    const byDevice = new Map<string, Array<[number, number | null]>>();
    for (const s of p.samples) {
      const v = s.readings[name];
      const value = typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : null;
      let points = byDevice.get(s.deviceId);
      if (points === undefined) byDevice.set(s.deviceId, (points = []));
      points.push([s.ts, value]);
    }
    return { title: `${name}: ${info.description}`, unit: info.unit, series: [...byDevice].map(([n, points]) => ({ name: n, points })) };
  });
}

function countDevices(p: Preview): number {
  return new Set(p.samples.map((s) => s.deviceId)).size;
}

function lastTs(p: Preview): number {
  return p.samples.reduce((m, s) => Math.max(m, s.ts), p.plan.startTimeMs);
}
