/**
 * The end-of-run report as text (≤ 120 columns for the usual figures): header, key figures and telemetry latency per
 * phase with a TOTAL row, trends for the whole run, counters and rates, errors by code, the reconciliation equation,
 * the saturation warning, and thresholds. Pure: a RunResult and a Style in, a string out.
 */
import { formatDuration, formatRate } from '../core/duration.js';
import type { RunResult } from '../metrics/result.js';
import type { PhaseSummary, Reconciliation, Saturation, TrendStats } from '../metrics/summary.js';
import type { ThresholdResult } from '../metrics/thresholds.js';
import { hubLines } from './hub-text.js';
import { secureOsLines } from './secure-os-text.js';
import { formatCount, formatMicros, formatObserved, formatPercent, table } from './format.js';
import type { Style } from './style.js';

const DASH = '—';
const TRENDS = [
  'connect.latency',
  'telemetry.latency',
  'telemetry.service_time',
  'telemetry.e2e',
  'schedule.lag',
  'eventloop.delay',
] as const;
/** Trends only some runs record (store-and-forward, deep sleep): listed when they have data. */
const OPTIONAL_TRENDS = [
  'telemetry.device_to_hub',
  'telemetry.hub_to_consumer',
  'telemetry.buffer_age',
  'provision.latency',
  'method.latency',
  'twin.latency',
  'upload.latency',
  'attestation.latency',
  'ota.download_time',
  'ota.update_time',
  'ota.converge_time',
] as const;
const MAX_ERROR_LINES = 10;

export function renderSummary(result: RunResult, style: Style): string {
  const { summary } = result;
  const rows = [...summary.phases, summary.total];
  const sections = [
    header(result, style),
    keyFigures(rows, style),
    latencyByPhase(rows, style),
    trends(summary.total, style),
    counters(summary.total, style),
    errors(summary.total.errors, style),
    hubLines(result.hub, style),
    secureOsLines(result.secureOs, style, result.hub?.attestation),
    [reconciliationLine(summary.reconciliation, style)],
    saturationBlock(summary.saturation, style),
    thresholdLines(result.thresholds, style),
  ];
  return `${sections.filter((s) => s.length > 0).map((s) => s.join('\n')).join('\n\n')}\n`;
}

function header(r: RunResult, style: Style): string[] {
  const lines = [
    `${style.bold('fleetsim')}  ${style.bold(r.scenario)}  ${style.dim(r.source)}`,
    [
      `target ${r.target}`,
      `seed ${r.seed}`,
      `devices ${formatCount(r.devices)}`,
      `workers ${formatCount(r.workers)}`,
      `duration ${formatDuration(r.summary.total.durationMs)}`,
    ].join('  ·  '),
    style.dim(`started ${r.startedAt}  ended ${r.endedAt}`),
  ];
  if (r.abortReason !== null) lines.push(style.red(`aborted: ${r.abortReason}`));
  else if (r.interrupted) lines.push(style.yellow('interrupted: figures cover the part of the run that happened'));
  return lines;
}

function label(p: PhaseSummary, style: Style): string {
  return p.kind === 'total' ? style.bold('TOTAL') : p.name;
}

/** connect.ok/connect.attempts, telemetry sent/acked/failed, and sent and acked per second of the phase. */
function keyFigures(rows: readonly PhaseSummary[], style: Style): string[] {
  const head = ['phase', 'duration', 'connects ok/tried', 'sent', 'acked', 'failed', 'sent/s', 'acked/s'];
  const body = rows.map((p) => [
    label(p, style),
    formatDuration(p.durationMs),
    `${formatCount(p.counters['connect.ok'])}/${formatCount(p.counters['connect.attempts'])}`,
    formatCount(p.counters['telemetry.sent']),
    formatCount(p.counters['telemetry.acked']),
    failedCell(p.counters['telemetry.failed'], style),
    formatRate(p.throughput.sentPerS),
    formatRate(p.throughput.ackedPerS),
  ]);
  return table([head.map(style.dim), ...body], ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right']);
}

function failedCell(n: number, style: Style): string {
  return n > 0 ? style.red(formatCount(n)) : formatCount(n);
}

/** telemetry.latency (ack − intended send time) per phase, and the p99 of telemetry.e2e. */
function latencyByPhase(rows: readonly PhaseSummary[], style: Style): string[] {
  const head = ['telemetry.latency', 'p50', 'p90', 'p99', 'p99.9', 'max', 'e2e p99'];
  const body = rows.map((p) => {
    const t = p.trends['telemetry.latency'];
    const e2e = p.trends['telemetry.e2e'];
    return [label(p, style), ...percentiles(t), e2e === undefined ? DASH : formatMicros(e2e.p99)];
  });
  return table([head.map(style.dim), ...body], ['left', 'right', 'right', 'right', 'right', 'right', 'right']);
}

function percentiles(t: TrendStats | undefined): string[] {
  if (t === undefined) return [DASH, DASH, DASH, DASH, DASH];
  return [t.p50, t.p90, t.p99, t.p999, t.max].map(formatMicros);
}

/** Every trend over the whole run; "no data" when it recorded nothing. */
function trends(total: PhaseSummary, style: Style): string[] {
  const head = ['trends (whole run)', 'count', 'p50', 'p90', 'p99', 'p99.9', 'max'];
  const optional = OPTIONAL_TRENDS.filter((name) => total.trends[name] !== undefined);
  const body = [...TRENDS, ...optional].map((name) => {
    const t = total.trends[name];
    if (t === undefined) return [name, style.dim('no data')];
    return [name, formatCount(t.count), ...percentiles(t)];
  });
  return table([head.map(style.dim), ...body], ['left', 'right', 'right', 'right', 'right', 'right', 'right']);
}

function counters(total: PhaseSummary, style: Style): string[] {
  const c = total.counters;
  const pairs = (items: [string, number][]): string => items.map(([k, v]) => `${k} ${formatCount(v)}`).join('  ');
  const rate = (value: number | null): string => (value === null ? DASH : formatPercent(value));
  const rows: [string, string][] = [
    [
      'delivery',
      // No observer (--no-observer): nothing received and no loss count.
      total.rates['delivery.success'] === null && c['delivery.received'] === 0
        ? 'not measured'
        : pairs([
            ['received', c['delivery.received']],
            ['lost', c['delivery.lost']],
            ['duplicated', c['delivery.duplicated']],
            ['reordered', c['delivery.reordered']],
          ]),
    ],
    [
      'devices',
      pairs([
        ['disconnects', c['device.disconnects']],
        ['reconnects', c['device.reconnects']],
        ['reboots', c['device.reboots']],
        ['dead', c['device.dead']],
      ]),
    ],
    ['telemetry', pairs([['late', c['telemetry.late']], ['skipped', c['telemetry.skipped']]])],
    ['buffer', pairs([['buffered', c['telemetry.buffered']], ['flushed', c['telemetry.flushed']], ['dropped', c['telemetry.dropped']]])],
    ...serviceRows(c, pairs),
    ...(c['upload.ok'] + c['upload.failed'] + c['upload.skipped'] > 0
      ? [['uploads', `${pairs([['ok', c['upload.ok']], ['failed', c['upload.failed']], ['skipped', c['upload.skipped']]])}  bytes ${formatCount(c['upload.bytes'])}`] as [string, string]]
      : []),
    [
      'success',
      [
        `connect ${rate(total.rates['connect.success'])}`,
        `telemetry ${rate(total.rates['telemetry.success'])}`,
        `delivery ${rate(total.rates['delivery.success'])}`,
      ].join('  '),
    ],
  ];
  return table(rows.map(([k, v]) => [style.dim(k), v]), ['left', 'left']);
}

/** The service side's calls (invoke-method, twin-update phases), when there were any: throttled apart from failed. */
function serviceRows(c: PhaseSummary['counters'], pairs: (items: [string, number][]) => string): [string, string][] {
  const rows: [string, string][] = [];
  if (c['method.calls'] > 0) rows.push(['methods', pairs([['calls', c['method.calls']], ['failed', c['method.failed']], ['throttled', c['method.throttled']]])]);
  if (c['twin.updates'] > 0) rows.push(['twin', pairs([['updates', c['twin.updates']], ['failed', c['twin.failed']], ['throttled', c['twin.throttled']]])]);
  return rows;
}

/** Failures by "<scope>:<code>", most frequent first (ties by key), at most MAX_ERROR_LINES lines. */
function errors(byCode: Readonly<Record<string, number>>, style: Style): string[] {
  const entries = Object.entries(byCode)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (entries.length === 0) return [`${style.dim('errors')} none`];
  const total = entries.reduce((n, [, c]) => n + c, 0);
  const shown = table(entries.slice(0, MAX_ERROR_LINES).map(([k, n]) => [`  ${k}`, formatCount(n)]), ['left', 'right']);
  const hidden = entries.length - MAX_ERROR_LINES;
  const more = hidden > 0 ? [style.dim(`  … ${hidden} more codes`)] : [];
  return [style.red(`errors ${formatCount(total)}`), ...shown, ...more];
}

/** "sent 12,345 = acked 12,300 + failed 40 + in flight 5  ✓ reconciled", or ✗ with the difference. */
export function reconciliationLine(r: Reconciliation, style: Style): string {
  const equation =
    `sent ${formatCount(r.sent)} = acked ${formatCount(r.acked)} + failed ${formatCount(r.failed)}` +
    ` + in flight ${formatCount(r.inflight)}`;
  if (r.ok) return `${equation}  ${style.green('✓ reconciled')}`;
  const sign = r.difference > 0 ? '+' : '−';
  return `${equation}  ${style.red(`✗ not reconciled: difference ${sign}${formatCount(Math.abs(r.difference))}`)}`;
}

function saturationBlock(s: Saturation, style: Style): string[] {
  if (!s.saturated) return [];
  return [
    style.yellow(style.bold("⚠ generator saturated: figures include fleetsim's own lag, not only the target's")),
    ...s.reasons.map((reason) => style.yellow(`  - ${reason}`)),
    style.dim('  use more workers (--workers), fewer devices per worker, or a lower rate'),
  ];
}

/** One line per threshold expression with ✓/✗ and the observed value, then "N of M thresholds passed". */
export function thresholdLines(results: readonly ThresholdResult[], style: Style): string[] {
  if (results.length === 0) return [];
  const rows = results.map((r) => [
    r.pass ? style.green('✓') : style.red('✗'),
    r.key,
    r.expression,
    r.observed === null
      ? style.red(r.note ?? 'no data')
      : `observed ${formatObserved(r.metric, r.aggregation, r.observed)}`,
    r.abortOnFail ? style.dim('abortOnFail') : '',
  ]);
  const passed = results.filter((r) => r.pass).length;
  const verdict = `${passed} of ${results.length} thresholds passed`;
  return [
    style.dim('thresholds'),
    ...table(rows, ['left', 'left', 'left', 'left', 'left']).map((line) => `  ${line}`),
    passed === results.length ? style.green(verdict) : style.red(verdict),
  ];
}
