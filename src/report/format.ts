/**
 * Number and table formatting shared by the renderers. Fixed locale (en-US) so output does not depend on the machine.
 */
import { formatDuration, formatRate } from '../core/duration.js';
import { METRICS, isMetricName } from '../metrics/names.js';
import type { Aggregation } from '../scenario/plan.js';

const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const DECIMAL = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** 12345 → "12,345" (rounded to an integer). */
export function formatCount(n: number): string {
  return INTEGER.format(n);
}

/** A duration given in microseconds: 850µs, 12.3ms, 1.20s (see formatDuration). */
export function formatMicros(micros: number): string {
  return formatDuration(micros / 1000);
}

/** A fraction as a percentage floored to 2 decimals, so anything short of 1 never prints as 100%: 0.99996 → 99.99%. */
export function formatPercent(fraction: number): string {
  if (fraction === 1) return '100%';
  return `${(Math.floor(fraction * 10_000) / 100).toFixed(2)}%`;
}

/** Elapsed time as mm:ss, or h:mm:ss from one hour. */
export function formatClock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const s = String(total % 60).padStart(2, '0');
  const m = Math.floor(total / 60) % 60;
  const h = Math.floor(total / 3600);
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${String(m).padStart(2, '0')}:${s}`;
}

/** A threshold's observed value in its metric's unit: durations for trends, counts, per-second rates, percentages. */
export function formatObserved(metric: string, aggregation: Aggregation, value: number): string {
  const type = isMetricName(metric) ? METRICS[metric].type : undefined;
  if (type === 'trend') return aggregation.kind === 'count' ? formatCount(value) : formatMicros(value);
  if (type === 'counter') return aggregation.kind === 'rate' ? formatRate(value) : formatCount(value);
  if (type === 'rate') return formatPercent(value);
  return DECIMAL.format(value);
}

const ANSI = /\x1b\[[0-9;]*m/g;

/** Width of the text as displayed (ANSI colour codes take no columns). */
export function visibleWidth(text: string): number {
  return text.replace(ANSI, '').length;
}

export type Align = 'left' | 'right';

/**
 * Rows of cells (which may be coloured) as aligned columns separated by `gap` spaces, one string per row with
 * trailing spaces trimmed. Column widths fit the widest cell.
 */
export function table(rows: readonly (readonly string[])[], align: readonly Align[], gap = 2): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleWidth(cell))));
  return rows.map((row) =>
    row
      .map((cell, i) => {
        const pad = ' '.repeat((widths[i] ?? 0) - visibleWidth(cell));
        return align[i] === 'right' ? pad + cell : cell + pad;
      })
      .join(' '.repeat(gap))
      .trimEnd(),
  );
}
