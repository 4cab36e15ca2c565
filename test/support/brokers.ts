import { afterAll, beforeAll } from 'vitest';
import { type EmbeddedHub, startEmbeddedHub } from '../../src/hub/embedded.js';
import { createConnection } from 'node:net';

/** The machine's Mosquitto (override with FLEETSIM_MOSQUITTO_URL). */
export const MOSQUITTO_URL = process.env.FLEETSIM_MOSQUITTO_URL ?? 'mqtt://127.0.0.1:1883';

export function reachable(url: string, timeoutMs = 1000): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: u.hostname, port: Number(u.port || 1883) });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Whether the Mosquitto tests run. Without CI they are skipped with a clear message when no broker answers; under CI
 * (FLEETSIM_REQUIRE_MOSQUITTO=1, set by .ci/run) a missing broker is a failure, never a silent skip.
 */
export async function mosquittoAvailable(): Promise<boolean> {
  const up = await reachable(MOSQUITTO_URL);
  if (up) return true;
  if (process.env.FLEETSIM_REQUIRE_MOSQUITTO === '1') {
    throw new Error(`Mosquitto is required (FLEETSIM_REQUIRE_MOSQUITTO=1) but ${MOSQUITTO_URL} does not answer`);
  }
  console.warn(
    `\n  SKIPPED: Mosquitto tests — nothing answers on ${MOSQUITTO_URL}.` +
      `\n  Start it with: mosquitto -d -c /etc/mosquitto/mosquitto.conf  (or set FLEETSIM_MOSQUITTO_URL)\n`,
  );
  return false;
}

/** A port nothing listens on: bind, read the port, close. */
export async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A unique topic prefix so parallel runs on a shared broker never see each other's messages. */
export function uniquePrefix(label: string): string {
  return `fleetsim-test/${label}-${process.pid}-${Math.floor(performance.timeOrigin + performance.now())}`;
}

/** An embedded hub for the whole test file: started before the first test, stopped after the last. */
export function useEmbeddedHub(): { readonly url: string } {
  let hub: EmbeddedHub | undefined;
  beforeAll(async () => {
    hub = await startEmbeddedHub();
  });
  afterAll(async () => {
    await hub?.stop();
  });
  return {
    get url(): string {
      if (hub === undefined) throw new Error('the embedded hub is not started yet (use it inside a test)');
      return hub.url;
    },
  };
}
