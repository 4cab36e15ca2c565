/**
 * The report's Secure OS section: attestations by outcome and reason, credentials, compromised devices injected by
 * kind against how the hub shut them out (with the first device ids), and each firmware rollout's outcome and
 * convergence time. Pure.
 */
import { formatDuration } from '../core/duration.js';
import type { AttestationHubStats } from '../metrics/hub-report.js';
import type { SecureOsReport } from '../metrics/secure-os-report.js';
import { formatCount, table } from './format.js';
import type { Style } from './style.js';

export function secureOsLines(report: SecureOsReport | undefined, style: Style, hub?: AttestationHubStats): string[] {
  if (report === undefined) return [];
  const a = report.attestations;
  const reasons = Object.entries(a.byReason).sort(([x], [y]) => (x < y ? -1 : 1));
  const lines = [
    style.bold('secure OS'),
    `  attestations  ok ${formatCount(a.ok)}  ·  quarantined ${formatCount(a.quarantined)}  ·  refused ${formatCount(a.refused)}  ·  no answer ${a.failed > 0 ? style.red(formatCount(a.failed)) : '0'}` +
      (reasons.length === 0 ? '' : style.dim(`  (${reasons.map(([r, n]) => `${r} ${formatCount(n)}`).join(', ')})`)),
    `  credentials   issued ${formatCount(report.credentials.issued)}  ·  expired while held ${formatCount(report.credentials.expired)}`,
    ...hubLine(hub, style),
    ...compromiseLines(report, style),
    ...rolloutLines(report, style),
  ];
  return lines;
}

/** The hub's own side of the same story: what its verifier and its enforcement counted. */
function hubLine(hub: AttestationHubStats | undefined, style: Style): string[] {
  if (hub === undefined) return [];
  const refused = Object.values(hub.refused).reduce((n, x) => n + x, 0);
  const c = hub.credentials;
  return [
    `  ${style.dim('hub side')}      verified ${formatCount(hub.attestations)} (passed ${formatCount(hub.passed)}, refused ${formatCount(refused)})  ·  ` +
      `credentials sas ${formatCount(c.sas)}, x509 ${formatCount(c.x509)}, quarantine ${formatCount(c.quarantine)}  ·  ` +
      `CONNECTs refused ${formatCount(hub.refusedConnects)}, quarantined ${formatCount(hub.quarantinedConnections)}`,
  ];
}

function compromiseLines(report: SecureOsReport, style: Style): string[] {
  const order = ['tampered', 'debug', 'rollback', 'cloned'];
  const rank = (k: string): number => (order.includes(k) ? order.indexOf(k) : order.length);
  const kinds = Object.entries(report.compromise)
    .filter(([, c]) => c.injected > 0)
    .sort(([a], [b]) => rank(a) - rank(b));
  if (kinds.length === 0) return [];
  const head = ['  compromised', 'injected', 'refused', 'quarantined', 'admitted', 'remediated', 'not attested', 'shut out by', 'first devices'].map(style.dim);
  const rows = kinds.map(([kind, c]) => [
    `  ${kind}`,
    formatCount(c.injected),
    formatCount(c.refused),
    formatCount(c.quarantined),
    c.admitted > 0 ? style.red(formatCount(c.admitted)) : style.green('0'),
    formatCount(c.remediated),
    c.unattested > 0 ? style.yellow(formatCount(c.unattested)) : '0',
    Object.entries(c.byReason).map(([r, n]) => `${r} ${formatCount(n)}`).join(', ') || '—',
    c.firstIds.join(', '),
  ]);
  const admitted = kinds.reduce((n, [, c]) => n + c.admitted, 0);
  const injected = kinds.reduce((n, [, c]) => n + c.injected, 0);
  const verdict = admitted === 0 ? style.green(`✓ every compromised device attested was shut out (${formatCount(injected)} injected)`) : style.red(`✗ ${formatCount(admitted)} compromised device${admitted === 1 ? ' was' : 's were'} admitted`);
  return [...table([head, ...rows], ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'left', 'left']), `  ${verdict}`];
}

function rolloutLines(report: SecureOsReport, style: Style): string[] {
  if (report.rollouts.length === 0) return [];
  const head = ['  rollout', 'to', 'targeted', 'started', 'skipped', 'committed', 'rolled back', 'unfinished', 'converged in', 'failed steps'].map(style.dim);
  const rows = report.rollouts.map((r) => [
    `  ${r.phase}`,
    `${r.app} ${r.to}`,
    formatCount(r.targeted),
    formatCount(r.started),
    formatCount(r.skipped),
    formatCount(r.committed),
    r.rolledBack > 0 ? style.yellow(formatCount(r.rolledBack)) : '0',
    r.unfinished > 0 ? style.red(formatCount(r.unfinished)) : '0',
    r.convergeMs === null ? '—' : formatDuration(r.convergeMs),
    Object.entries(r.failedByReason).map(([k, n]) => `${k} ${formatCount(n)}`).join(', ') || '—',
  ]);
  const check = report.rollouts.map((r) => {
    const ok = r.started === r.committed + r.rolledBack + r.unfinished && r.targeted === r.started + r.skipped;
    return `  ${r.phase}: targeted ${formatCount(r.targeted)} = started ${formatCount(r.started)} + skipped ${formatCount(r.skipped)}; started = committed ${formatCount(r.committed)} + rolled back ${formatCount(r.rolledBack)} + unfinished ${formatCount(r.unfinished)}  ${ok ? style.green('✓') : style.red('✗')}`;
  });
  return [...table([head, ...rows], ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left']), ...check];
}
