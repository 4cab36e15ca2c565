import { type Style, createStyle } from '../report/style.js';

/** The CLI's view of the process streams: the only place that writes stdout/stderr. */
export interface Terminal {
  readonly style: Style;
  /** Style for stderr (it may be a TTY while stdout is piped, or the reverse). */
  readonly errStyle: Style;
  readonly isErrTty: boolean;
  out(text: string): void;
  err(text: string): void;
  /** Rewrite the current stderr line (live progress on a TTY). */
  status(line: string): void;
  clearStatus(): void;
}

/** Colour unless --no-color, NO_COLOR (any value), or the stream is not a TTY; FORCE_COLOR forces it on. */
export function createTerminal(options: { color: boolean }): Terminal {
  const env = process.env;
  const allowed = options.color && env.NO_COLOR === undefined;
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0';
  const outColor = allowed && (forced || process.stdout.isTTY === true);
  const errColor = allowed && (forced || process.stderr.isTTY === true);
  let statusShown = false;
  const clearStatus = (): void => {
    if (statusShown) process.stderr.write('\r\x1b[2K');
    statusShown = false;
  };
  return {
    style: createStyle(outColor),
    errStyle: createStyle(errColor),
    isErrTty: process.stderr.isTTY === true,
    out: (text) => {
      clearStatus();
      process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    err: (text) => {
      clearStatus();
      process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    status: (line) => {
      process.stderr.write(`\r\x1b[2K${line}`);
      statusShown = true;
    },
    clearStatus,
  };
}
