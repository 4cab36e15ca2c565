import { randomUUID } from 'node:crypto';
import { failureCode } from '../../core/errors.js';
import { TransportError } from '../transport.js';
import { type IClientOptions, mqtt } from './lib.js';

export interface Subscriber {
  close(): Promise<void>;
}

/**
 * A plain MQTT subscriber (the run observer, or a test's independent counter). Resolves once subscribed; rejects with
 * a TransportError whose code says why the broker could not be reached.
 */
export function subscribe(
  url: string,
  filters: readonly string[],
  qos: 0 | 1,
  onMessage: (topic: string, payload: Buffer) => void,
  options: {
    clientId?: string;
    connectTimeoutMs?: number;
    security?: IClientOptions;
    /** Called if the subscription's connection closes after it was established (not on close()). */
    onLost?: (code: string) => void;
  } = {},
): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, {
      ...options.security,
      clientId: options.clientId ?? `fleetsim-observer-${randomUUID()}`,
      reconnectPeriod: 0,
      connectTimeout: options.connectTimeoutMs ?? 5000,
      clean: true,
    });
    let lastError: unknown;
    let settled = false;
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      client.end(true);
      reject(new TransportError(failureCode(err), err instanceof Error ? err.message : String(err)));
    };
    client.on('error', (err) => {
      lastError = err;
    });
    let closing = false;
    client.on('close', () => {
      if (settled && !closing) options.onLost?.(lastError === undefined ? 'CONNECTION_LOST' : failureCode(lastError));
      fail(lastError ?? new TransportError('CONNECTION_CLOSED', 'connection closed before CONNACK'));
    });
    client.on('message', onMessage);
    client.once('connect', () => {
      client.subscribe([...filters], { qos }, (err, granted) => {
        const refused = granted?.find((g) => g.qos === 128);
        if (err !== null && err !== undefined) return fail(err);
        if (refused !== undefined) return fail(new TransportError('SUBSCRIBE_REFUSED', `broker refused ${refused.topic}`));
        settled = true;
        resolve({
          close: () => {
            closing = true;
            return new Promise<void>((r) => client.end(false, {}, () => r()));
          },
        });
      });
    });
  });
}
