/**
 * Durations and rates as written in scenarios and on the command line.
 * Durations: "500us", "250ms", "1.5s", "2m", "1h30m", "1d". Rates: "200/s", "30/min", "3600/h".
 */
const UNIT_MS: Record<string, number> = { us: 0.001, µs: 0.001, ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

export const DURATION_PATTERN = '^(\\d+(\\.\\d+)?(us|µs|ms|s|m|min|h|d))+$';
export const RATE_PATTERN = '^\\d+(\\.\\d+)?\\s*/\\s*(ms|s|sec|m|min|h)$';
const DURATION_RE = new RegExp(DURATION_PATTERN);
const PART_RE = /(\d+(?:\.\d+)?)(us|µs|ms|s|min|m|h|d)/g;
const RATE_RE = new RegExp(RATE_PATTERN);
const RATE_PER_S: Record<string, number> = { ms: 1000, s: 1, sec: 1, m: 1 / 60, min: 1 / 60, h: 1 / 3600 };

/** Milliseconds, or undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (!DURATION_RE.test(t)) return undefined;
  let total = 0;
  for (const m of t.matchAll(PART_RE)) total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
  return total;
}

/** Events per second, or undefined when the text is not a rate. */
export function parseRate(text: string): number | undefined {
  const m = RATE_RE.exec(text.trim());
  if (m === null) return undefined;
  const [count, unit] = text.trim().split('/').map((s) => s.trim()) as [string, string];
  return Number(count) * (RATE_PER_S[unit] as number);
}

/** Human form of a duration given in milliseconds: 850µs, 12.3ms, 1.20s, 2m05s, 1h02m. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const abs = Math.abs(ms);
  if (abs < 1) return `${Math.round(ms * 1000)}µs`;
  if (abs < 10) return `${ms.toFixed(2)}ms`;
  if (abs < 1000) return `${ms.toFixed(1)}ms`;
  if (abs < 60_000) return `${(ms / 1000).toFixed(2)}s`;
  const totalS = Math.round(ms / 1000);
  if (abs < 3_600_000) return `${Math.floor(totalS / 60)}m${String(totalS % 60).padStart(2, '0')}s`;
  return `${Math.floor(totalS / 3600)}h${String(Math.floor((totalS % 3600) / 60)).padStart(2, '0')}m`;
}

export function formatRate(perSecond: number): string {
  return `${perSecond >= 100 ? Math.round(perSecond) : perSecond.toFixed(1)}/s`;
}
