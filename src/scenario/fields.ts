/**
 * The value types of the scenario DSL (durations, rates, targets, identifiers), each with its own error messages:
 * what was expected, what was found, and the fix when it is guessable ("10 seconds" → write 10s).
 */
import { DURATION_PATTERN, RATE_PATTERN, parseDuration, parseRate } from '../core/duration.js';
import { z } from '../core/zod.js';
import { withHint } from './diagnostics.js';
import { parseAddressPool } from './endpoints.js';
import { describeFound } from './wording.js';

type RawIssue = z.core.$ZodRawIssue;

const DURATION_RE = new RegExp(DURATION_PATTERN);
const RATE_RE = new RegExp(RATE_PATTERN);
const IDENTIFIER_RE = /^[A-Za-z][A-Za-z0-9_-]*$/;
export const TARGET_SCHEMES = ['mqtt', 'mqtts', 'ws', 'wss'] as const;
const TARGET_PATTERN = '^(embedded|(mqtt|mqtts|ws|wss)://[^\\s/?#]+(/\\S*)?)$';
const TARGET_RE = new RegExp(TARGET_PATTERN);

const DURATION_EXAMPLES = 'such as 500ms, 10s or 5m';
const RATE_EXAMPLES = 'such as 200/s or 30/min';

const UNIT_WORDS: Record<string, string> = {
  us: 'us', usec: 'us', microsecond: 'us', microseconds: 'us',
  ms: 'ms', msec: 'ms', msecs: 'ms', millis: 'ms', millisecond: 'ms', milliseconds: 'ms',
  s: 's', sec: 's', secs: 's', second: 's', seconds: 's',
  m: 'm', min: 'm', mins: 'm', minute: 'm', minutes: 'm',
  h: 'h', hr: 'h', hrs: 'h', hour: 'h', hours: 'h',
  d: 'd', day: 'd', days: 'd',
}; // prettier-ignore
const RATE_UNIT_WORDS: Record<string, string> = {
  s: 's', sec: 's', second: 's', ms: 'ms', millisecond: 'ms', m: 'min', min: 'min', minute: 'min', h: 'h', hr: 'h', hour: 'h',
}; // prettier-ignore

/** "10 seconds" → "10s"; undefined when there is no obvious fix. */
export function fixDuration(text: string): string | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zµ]+)\s*$/i.exec(text);
  const unit = m === null ? undefined : UNIT_WORDS[(m[2] as string).toLowerCase()];
  if (m === null || unit === undefined) return undefined;
  const fixed = `${m[1] as string}${unit}`;
  return fixed !== text && parseDuration(fixed) !== undefined ? fixed : undefined;
}

/** "200 per second" → "200/s"; undefined when there is no obvious fix. */
export function fixRate(text: string): string | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:\/|per|a)\s*([a-z]+)\s*$/i.exec(text);
  const word = m === null ? '' : (m[2] as string).toLowerCase();
  const unit = RATE_UNIT_WORDS[word] ?? RATE_UNIT_WORDS[word.replace(/s$/, '')];
  if (m === null || unit === undefined) return undefined;
  const fixed = `${m[1] as string}/${unit}`;
  return fixed !== text && parseRate(fixed) !== undefined ? fixed : undefined;
}

function durationError(iss: RawIssue): string | undefined {
  const v = iss.input;
  if (v === undefined) return undefined;
  if (typeof v === 'number') {
    return withHint(`expected a duration with a unit ${DURATION_EXAMPLES}; found ${v}`, v >= 0 && Number.isFinite(v) ? `write ${v}s` : undefined);
  }
  const fix = typeof v === 'string' ? fixDuration(v) : undefined;
  return withHint(`expected a duration ${DURATION_EXAMPLES}; found ${describeFound(v)}`, fix && `write ${fix}`);
}

function rateError(iss: RawIssue): string | undefined {
  const v = iss.input;
  if (v === undefined) return undefined;
  if (typeof v === 'number') {
    return withHint(`expected a rate with a unit ${RATE_EXAMPLES}; found ${v}`, v >= 0 && Number.isFinite(v) ? `write ${v}/s` : undefined);
  }
  const fix = typeof v === 'string' ? fixRate(v) : undefined;
  return withHint(`expected a rate ${RATE_EXAMPLES}; found ${describeFound(v)}`, fix && `write ${fix}`);
}

/** A duration string such as 500ms, 10s, 1h30m. Bare numbers are refused: the unit is never guessed. */
export function duration(options: { minMs?: number; positive?: boolean } = {}) {
  // The pattern as written in core/duration.ts (RegExp.source would escape it differently) for the JSON Schema.
  const base = z.string({ error: durationError }).regex(DURATION_RE, { error: durationError }).meta({ pattern: DURATION_PATTERN });
  const { minMs, positive } = options;
  if (positive === true) {
    // A string that is not a duration at all has its own message: these checks pass it by.
    return base.refine((s) => (parseDuration(s) ?? 1) > 0, { error: (iss) => `expected a duration above 0; found ${describeFound(iss.input)}` });
  }
  if (minMs === undefined) return base;
  return base.refine((s) => (parseDuration(s) ?? minMs) >= minMs, {
    error: (iss) => `expected a duration of at least ${minMs}ms; found ${describeFound(iss.input)}`,
  });
}

/** A rate string such as 200/s, 30/min or 3600/h (events per unit of time). */
export function rate() {
  return z.string({ error: rateError }).regex(RATE_RE, { error: rateError }).meta({ pattern: RATE_PATTERN });
}

/** A rate, or {from, to} for a linear ramp. */
export function rateOrRamp() {
  const ramp = z.strictObject({ from: rate().describe('rate at the first arrival'), to: rate().describe('rate at the last arrival') });
  return z.union([rate().describe('a constant rate, e.g. 200/s'), ramp.describe('a linear ramp from one rate to another')], {
    error: (iss) => {
      const v = iss.input;
      if (v === undefined) return undefined;
      const expected = `expected a rate ${RATE_EXAMPLES}, or {from, to} for a ramp; found ${describeFound(v)}`;
      return withHint(expected, typeof v === 'number' && v >= 0 && Number.isFinite(v) ? `write ${v}/s` : undefined);
    },
  });
}

/** Error message for a target, or undefined when it is valid. Shared with the --target flag. */
export function targetProblem(value: unknown): string | undefined {
  if (typeof value === 'string' && TARGET_RE.test(value)) {
    if (value === 'embedded') return undefined;
    try {
      new URL(value);
      return undefined;
    } catch {
      /* fall through to the message */
    }
  }
  const expected = `expected "embedded" or a URL such as mqtt://localhost:1883 (schemes ${TARGET_SCHEMES.join(', ')}); found ${describeFound(value)}`;
  const bare = typeof value === 'string' && /^[\w.-]+(:\d+)?$/.test(value);
  return withHint(expected, bare ? `write mqtt://${value}` : undefined);
}

export function target() {
  return z
    .string({ error: (iss) => (iss.input === undefined ? undefined : targetProblem(iss.input)) })
    .regex(TARGET_RE, { error: (iss) => targetProblem(iss.input) })
    .refine((s) => targetProblem(s) === undefined, { error: (iss) => targetProblem(iss.input) })
    .meta({ pattern: TARGET_PATTERN });
}

/** A pool of local source addresses, e.g. "127.0.0.1-127.0.0.16" (src/scenario/endpoints.ts). */
export function addressPool() {
  const problemOf = (v: unknown): string | undefined => {
    if (typeof v !== 'string') return `expected a source-address range such as "127.0.0.1-127.0.0.16"; found ${describeFound(v)}`;
    const pool = parseAddressPool(v);
    return pool.ok ? undefined : withHint(pool.message, pool.hint);
  };
  return z
    .string({ error: (iss) => (iss.input === undefined ? undefined : problemOf(iss.input)) })
    .refine((s) => problemOf(s) === undefined, { error: (iss) => problemOf(iss.input) });
}

/**
 * The scenario's target: "embedded" or a URL; a list of URLs (devices spread over them); or { endpoints, sourceAddresses }.
 */
export function targetSpec() {
  const list = z.array(target()).min(1);
  const fanOut = z.strictObject({
    endpoints: z.union([target(), list]).describe('a broker URL, or a list of them (device i connects to endpoint i mod E)'),
    sourceAddresses: addressPool()
      .optional()
      .describe('local addresses devices connect from, e.g. "127.0.0.1-127.0.0.16" (device i uses address floor(i / E) mod S)'),
  });
  return z.union([target(), list.describe('broker URLs devices spread over (device i → endpoint i mod E)'), fanOut]);
}

function identifierError(iss: RawIssue): string | undefined {
  if (iss.input === undefined) return undefined;
  return `expected an identifier (a letter, then letters, digits, - or _); found ${describeFound(iss.input)}`;
}

/** Fleet ids and phase names: they appear in device ids, topics and {phase:NAME} threshold scopes. */
export function identifier() {
  return z.string({ error: identifierError }).regex(IDENTIFIER_RE, { error: identifierError });
}

export function mqttVersion() {
  return z.literal(['3.1.1', 5, '5'], {
    error: (iss) =>
      iss.input === undefined
        ? undefined
        : withHint(`expected "3.1.1" or 5; found ${describeFound(iss.input)}`, 'write "3.1.1" for MQTT 3.1.1 or 5 for MQTT 5.0'),
  });
}

export function qos() {
  return z.literal([0, 1], {
    error: (iss) => {
      if (iss.input === undefined) return undefined;
      if (iss.input === 2) {
        return withHint('QoS 2 is not supported; use 0 or 1', 'QoS 1 (at least once, acknowledged by PUBACK) suits telemetry');
      }
      return `expected QoS 0 or 1; found ${describeFound(iss.input)}`;
    },
  });
}
