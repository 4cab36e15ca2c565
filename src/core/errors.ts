/**
 * Errors with stable codes. A FleetsimError is a user-facing failure of the run itself (bad usage, bad scenario,
 * target unreachable); device-level failures are never thrown across the run: they are counted by code.
 */
export type FleetsimErrorCode =
  | 'FLEETSIM_E_USAGE'
  | 'FLEETSIM_E_SCENARIO'
  | 'FLEETSIM_E_TARGET'
  | 'FLEETSIM_E_NO_DEVICE_CONNECTED'
  | 'FLEETSIM_E_WORKER'
  | 'FLEETSIM_E_INTERNAL';

/** Process exit codes, documented in the README. */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  thresholdsFailed: 99,
  interrupted: 130,
} as const;

export class FleetsimError extends Error {
  readonly code: FleetsimErrorCode;
  /** What the user can do about it, printed after the message. */
  readonly hint: string | undefined;

  constructor(code: FleetsimErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FleetsimError';
    this.code = code;
    this.hint = options.hint;
  }

  /** Plain object that survives structured clone (worker threads) and JSON. */
  toJSON(): { code: FleetsimErrorCode; message: string; hint?: string } {
    return this.hint === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, hint: this.hint };
  }

  exitCode(): number {
    return this.code === 'FLEETSIM_E_USAGE' || this.code === 'FLEETSIM_E_SCENARIO' ? ExitCode.usage : ExitCode.internal;
  }
}

/**
 * A short stable code for a device-level failure, used as a counter key: errno codes (ECONNREFUSED), MQTT CONNACK
 * reason codes (CONNACK_135), or fleetsim's own (CONNECT_TIMEOUT, CONNECTION_LOST).
 */
export function failureCode(err: unknown): string {
  if (err !== null && typeof err === 'object') {
    const e = err as { code?: unknown; errno?: unknown; message?: unknown };
    if (typeof e.code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(e.code)) return e.code;
    if (typeof e.code === 'number') return `CONNACK_${e.code}`;
    if (typeof e.message === 'string') return codeFromMessage(e.message);
  }
  return 'UNKNOWN';
}

function codeFromMessage(message: string): string {
  const m = message.toLowerCase();
  if (m.includes('connection closed') || m.includes('client disconnecting')) return 'CONNECTION_LOST';
  if (m.includes('timeout') || m.includes('timed out')) return 'TIMEOUT';
  if (m.includes('not authorized')) return 'NOT_AUTHORIZED';
  if (m.includes('bad username or password')) return 'BAD_CREDENTIALS';
  return 'UNKNOWN';
}
