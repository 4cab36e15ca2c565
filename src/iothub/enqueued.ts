/**
 * The system properties IoT Hub stamps on a device-to-cloud message when it accepts it (reference §2.1), as fleetsim's
 * service clients receive them: appended to the property bag of the telemetry topic they are delivered on,
 * e.g. `devices/d1/messages/events/%24.mid=7&temp=21&iothub-enqueuedtime=2026-01-01T12%3A00%3A00.123456Z&…`.
 *
 * `iothub-enqueuedtime` is ISO 8601 UTC with microseconds (IoT Hub shows milliseconds; the extra digits are the
 * embedded hub's clock, so latency splits stay finer than a millisecond). The others: `iothub-connection-device-id`,
 * `iothub-connection-auth-method` (`{"scope":"device","type":"sas","issuer":"iothub"}`, type `x509Certificate` for X.509
 * devices) and
 * `iothub-connection-auth-generation-id`.
 */
import { encodeRfc3986 } from './encoding.js';

export const ENQUEUED_TIME_KEY = 'iothub-enqueuedtime';
export const SAS_AUTH_METHOD = '{"scope":"device","type":"sas","issuer":"iothub"}';
export const X509_AUTH_METHOD = '{"scope":"device","type":"x509Certificate","issuer":"iothub"}';

/** `iothub-connection-auth-method` of a device by its registry authentication type. */
export function authMethodOf(authType: 'sas' | 'selfSigned' | 'certificateAuthority' | 'none'): string {
  return authType === 'selfSigned' || authType === 'certificateAuthority' ? X509_AUTH_METHOD : SAS_AUTH_METHOD;
}

export interface HubStamp {
  readonly enqueuedTimeMs: number;
  readonly deviceId: string;
  readonly authMethod: string;
  readonly generationId: string;
}

/** ISO 8601 UTC with microseconds: 2026-01-01T12:00:00.123456Z. */
export function isoMicros(epochMs: number): string {
  const whole = Math.floor(epochMs);
  const micros = Math.min(999, Math.floor((epochMs - whole) * 1000));
  return `${new Date(whole).toISOString().slice(0, -1)}${String(micros).padStart(3, '0')}Z`;
}

/** Epoch ms (fractional) of an ISO 8601 UTC time with up to microseconds; NaN when it does not parse. */
export function parseIsoMicros(iso: string): number {
  const m = /^(.*\.\d{3})(\d{0,3})\d*Z$/.exec(iso);
  if (m === null) return Date.parse(iso);
  const base = Date.parse(`${m[1] ?? ''}Z`);
  const extra = (m[2] ?? '').padEnd(3, '0');
  return base + Number(extra) / 1000;
}

/** The stamped system properties, in the order they are appended. */
export function stampProperties(s: HubStamp): Array<[string, string]> {
  return [
    [ENQUEUED_TIME_KEY, isoMicros(s.enqueuedTimeMs)],
    ['iothub-connection-device-id', s.deviceId],
    ['iothub-connection-auth-method', s.authMethod],
    ['iothub-connection-auth-generation-id', s.generationId],
  ];
}

/**
 * The telemetry topic a consumer receives: the device's topic with the stamped properties appended to its bag (the
 * device's own properties, its `$.mid` message id included, are kept as sent). A topic without a trailing `/` gets one.
 */
export function stampTelemetryTopic(topic: string, s: HubStamp): string {
  return appendStamps(topic, stampProperties(s));
}

/** stampTelemetryTopic with the stamped properties already made (the hub also hands them to its telemetry stream). */
export function appendStamps(topic: string, stamped: ReadonlyArray<readonly [string, string]>): string {
  const extra = stamped.map(([k, v]) => `${k}=${encodeRfc3986(v)}`).join('&');
  const at = topic.indexOf('/messages/events');
  const bag = topic
    .slice(at + '/messages/events'.length)
    .replace(/^\//, '')
    .replace(/\/$/, ''); // the optional trailing `/` a device may send (reference §9)
  return `${topic.slice(0, at)}/messages/events/${bag === '' ? extra : `${bag}&${extra}`}`;
}

/** The enqueued time (epoch ms) stamped on a telemetry topic, or undefined when the topic carries none. */
export function enqueuedTimeOf(topic: string): number | undefined {
  const i = topic.lastIndexOf(`${ENQUEUED_TIME_KEY}=`);
  if (i < 0) return undefined;
  const start = i + ENQUEUED_TIME_KEY.length + 1;
  const end = topic.indexOf('&', start);
  let ms: number;
  try {
    ms = parseIsoMicros(decodeURIComponent(topic.slice(start, end < 0 ? undefined : end)));
  } catch {
    return undefined; // not percent-encoding: not a stamp the hub wrote
  }
  return Number.isFinite(ms) ? ms : undefined;
}
