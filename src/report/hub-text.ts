/**
 * The report's hub section: what the embedded hub's tier throttling did (per class: accepted at once, shaped,
 * throttled; connections it dropped; the daily quota), and what the telemetry stream delivered and dropped. Kept apart
 * from errors: throttling is the hub doing its job, not a failure of fleetsim's. Pure.
 */
import type { HubStats, ThrottleCounters } from '../metrics/hub-report.js';
import { formatCount, table } from './format.js';
import type { Style } from './style.js';

export function hubLines(hub: HubStats | undefined, style: Style): string[] {
  if (hub === undefined) return [];
  return [...throttlingLines(hub.throttling, style), ...streamLines(hub, style)];
}

function throttlingLines(t: ThrottleCounters | undefined, style: Style): string[] {
  if (t === undefined) return [];
  const units = `${t.units} unit${t.units === 1 ? '' : 's'}`;
  const title = `${style.bold('hub throttling')}  ${t.tier} × ${units}  ·  shaping queue ${t.queueSeconds} s`;
  const active = Object.entries(t.classes).filter(([, c]) => c.accepted + c.shaped + c.throttled > 0);
  const rows = active.map(([name, c]) => [
    `  ${name}`,
    formatCount(c.accepted),
    c.shaped > 0 ? style.yellow(formatCount(c.shaped)) : '0',
    c.throttled > 0 ? style.red(formatCount(c.throttled)) : '0',
    c.shaped > 0 ? `${formatCount(c.maxDelayMs)} ms` : '—',
  ]);
  const head = ['  class', 'accepted', 'shaped', 'throttled', 'max delay'].map(style.dim);
  const q = t.quota;
  return [
    title,
    ...(rows.length === 0 ? [style.dim('  no operation of any class yet')] : table([head, ...rows], ['left', 'right', 'right', 'right', 'right'])),
    `  ${style.dim('connections dropped')}  throttle ${formatCount(t.droppedConnections.throttle)}  quota ${formatCount(t.droppedConnections.quota)}` +
      `  ·  shaped D2C discarded with their connection ${formatCount(t.shapedDiscarded)}`,
    `  ${style.dim('daily quota')}  used ${formatCount(q.used)} of ${formatCount(q.limit)} blocks of ${formatCount(q.meterBytes)} B` +
      `  ·  refused (403002) ${formatCount(q.exceeded)}, of which CONNECTs ${formatCount(q.connectsRefused)}`,
  ];
}

function streamLines(hub: HubStats, style: Style): string[] {
  const s = hub.telemetryStream;
  if (s === undefined) return [];
  const lines: string[] = [];
  if (s.ndjson !== undefined) {
    const err = s.ndjson.error === undefined ? '' : style.red(`  (${s.ndjson.error})`);
    lines.push(`  ndjson ${s.ndjson.target}: written ${formatCount(s.ndjson.written)}, dropped ${formatCount(s.ndjson.dropped)}${err}`);
  }
  if (s.webhook !== undefined) {
    const w = s.webhook;
    const dropped = w.dropped.queueFull + w.dropped.failed;
    const err = w.lastError === undefined ? '' : `, last error ${w.lastError}`;
    lines.push(
      `  webhook ${w.url}: delivered ${formatCount(w.delivered)} in ${formatCount(w.batches)} batches, retries ${formatCount(w.retries)}, ` +
        (dropped > 0 ? style.red(`dropped ${formatCount(dropped)}`) : 'dropped 0') +
        ` (queue full ${formatCount(w.dropped.queueFull)}, failed ${formatCount(w.dropped.failed)}${err})`,
    );
  }
  if (s.http.streamed + s.http.dropped > 0) lines.push(`  http stream: sent ${formatCount(s.http.streamed)}, dropped ${formatCount(s.http.dropped)}`);
  if (lines.length === 0) return [];
  return [`${style.bold('telemetry stream')}  ${formatCount(hub.telemetryAccepted)} messages accepted by the hub`, ...lines];
}
