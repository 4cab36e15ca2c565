/** The telemetry stream as NDJSON: one TelemetryRecord per line, to a file (appended) or to stdout (`-`). */
import { type WriteStream, createWriteStream } from 'node:fs';
import type { TelemetryRecord } from './record.js';

export interface NdjsonSink {
  write(r: TelemetryRecord): void;
  readonly written: number;
  /** Records not written because the stream failed (its error in `error`). */
  readonly dropped: number;
  readonly error: string | undefined;
  close(): Promise<void>;
}

export function ndjsonSink(target: string): NdjsonSink {
  const stream: WriteStream | NodeJS.WriteStream = target === '-' ? process.stdout : createWriteStream(target, { flags: 'a' });
  let written = 0;
  let dropped = 0;
  let failure: Error | undefined;
  stream.on('error', (err: Error) => {
    failure = err;
  });
  return {
    write(r) {
      if (failure !== undefined) {
        dropped++;
        return;
      }
      stream.write(`${JSON.stringify(r)}\n`);
      written++;
    },
    get written() {
      return written;
    },
    get dropped() {
      return dropped;
    },
    get error() {
      return failure?.message;
    },
    close: () =>
      target === '-'
        ? Promise.resolve()
        : new Promise<void>((resolve) => (stream as WriteStream).end(() => resolve())),
  };
}
