/**
 * The live progress line for a TTY, e.g.
 *   [steady 2/6] 00:14  connected 998/1,000  sent 498/s  acked 497/s  in flight 3  p99 3.10ms  errors 0
 * Pure: the CLI rewrites the line on stderr about once a second. Figures and formulas: see LiveView.
 */
import { formatRate } from '../core/duration.js';
import type { LiveView } from '../metrics/accumulator.js';
import { formatClock, formatCount, formatMicros } from './format.js';
import type { Style } from './style.js';

export interface ProgressContext {
  readonly phaseCount: number;
  /** 0-based index of view.phase in the plan, −1 when unknown (before the first phase). */
  readonly phaseIndex: number;
  readonly totalDevices: number;
}

export function renderProgressLine(view: LiveView, context: ProgressContext, style: Style): string {
  const phase =
    view.phase === null || context.phaseIndex < 0
      ? `[starting 0/${context.phaseCount}]`
      : `[${view.phase} ${context.phaseIndex + 1}/${context.phaseCount}]`;
  const p99 = view.p99LatencyMicros === null ? '—' : formatMicros(view.p99LatencyMicros);
  const errors = `errors ${formatCount(view.errorsTotal)}`;
  return [
    `${style.cyan(phase)} ${formatClock(view.elapsedMs)}`,
    `connected ${formatCount(view.connected)}/${formatCount(context.totalDevices)}`,
    `sent ${formatRate(view.sentPerS)}`,
    `acked ${formatRate(view.ackedPerS)}`,
    `in flight ${formatCount(view.inflight)}`,
    `p99 ${p99}`,
    view.errorsTotal > 0 ? style.red(errors) : errors,
  ].join('  ');
}
