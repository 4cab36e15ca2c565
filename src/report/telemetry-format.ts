/**
 * Telemetry records as NDJSON and CSV, for `fleetsim preview`. Pure: a record in, one line of text out.
 *
 * A record is flat: { deviceId, seq, ts, ...readings }, ts in model time (epoch ms, UTC). A reading of null is a
 * sensor dropout; a channel absent from the record was not reported. Non-finite numbers (NaN, ±Infinity) cannot be
 * written as JSON numbers, so both formats write them as null / an empty field.
 */

/** One reading; null = sensor dropout. */
export type ReadingValue = number | string | boolean | null;

/** A telemetry record: the three fixed fields, then one key per channel. */
export interface TelemetryRecord {
  readonly deviceId: string;
  readonly seq: number;
  /** Model time, epoch ms UTC. */
  readonly ts: number;
  readonly [channel: string]: ReadingValue | undefined;
}

const FIXED = new Set(['deviceId', 'seq', 'ts']);

/** The record's reading channels in the record's own key order (everything but deviceId, seq, ts). */
export function readingChannels(record: TelemetryRecord): string[] {
  return Object.keys(record).filter((key) => !FIXED.has(key));
}

/**
 * One JSON object and "\n". Keys in a stable order: deviceId, seq, ts, then the readings: in `channels` order when
 * given (channels missing from the record are left out), else in the record's key order. undefined values are left
 * out, null stays null (a dropout).
 */
export function ndjsonLine(record: TelemetryRecord, channels?: readonly string[]): string {
  // Built by hand rather than JSON.stringify(record): object key order puts integer-like keys ("1") first.
  const parts = [
    `"deviceId":${JSON.stringify(record.deviceId)}`,
    `"seq":${jsonValue(record.seq)}`,
    `"ts":${jsonValue(record.ts)}`,
  ];
  for (const channel of channels ?? readingChannels(record)) {
    if (FIXED.has(channel)) continue;
    const value = record[channel];
    if (value === undefined) continue;
    parts.push(`${JSON.stringify(channel)}:${jsonValue(value)}`);
  }
  return `{${parts.join(',')}}\n`;
}

/** The CSV header line: deviceId,seq,time,ts,<channels…> and "\n". */
export function csvHeader(channels: readonly string[]): string {
  return `${['deviceId', 'seq', 'time', 'ts', ...channels].map(csvField).join(',')}\n`;
}

/**
 * One CSV line ending in "\n", columns as csvHeader(channels): time is ts as ISO 8601 UTC
 * (2026-01-01T00:00:00.000Z), ts the epoch ms. Fields are quoted per RFC 4180 when they hold a comma, a double quote
 * (doubled inside), CR or LF. null, a missing channel and a non-finite number are empty fields; booleans are
 * true/false. Lines end in LF, not RFC 4180's CRLF (RFC 4180 readers accept both).
 */
export function csvLine(record: TelemetryRecord, channels: readonly string[]): string {
  const fields = [
    csvField(record.deviceId),
    csvField(record.seq),
    csvField(isoTime(record.ts)),
    csvField(record.ts),
    ...channels.map((channel) => csvField(record[channel])),
  ];
  return `${fields.join(',')}\n`;
}

function jsonValue(value: ReadingValue): string {
  if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
  return JSON.stringify(value);
}

function csvField(value: ReadingValue | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** ISO 8601 UTC with milliseconds; '' when ts is not a valid time. */
function isoTime(ts: number): string {
  const date = new Date(ts);
  return Number.isNaN(date.getTime()) ? '' : date.toISOString();
}
