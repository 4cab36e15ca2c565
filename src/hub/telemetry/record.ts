/**
 * The telemetry stream's record: one JSON object per message the hub accepted, as NDJSON lines, webhook batches and
 * the service API's stream carry it:
 *   { "deviceId": "d1", "enqueuedTime": "2026-01-01T12:00:00.123456Z",
 *     "properties": { "$.mid": "7", "temp-alert": "false", "iothub-enqueuedtime": "…", "iothub-connection-device-id": "d1", … },
 *     "bodyEncoding": "json" | "utf8" | "base64", "body": <the JSON value> | "<text>" | "<base64>" }
 * Properties use their wire names: system properties as `$.mid`, `$.ct`, …, application properties as sent, then what
 * the hub stamped. The body is JSON when it parses as JSON, else text when it is valid UTF-8, else base64.
 */
import { type MessageProperties, SYSTEM_PROPERTY_KEYS, isoMicros } from '../../iothub/index.js';

/** A device-to-cloud message the hub accepted, with the system properties it stamped. */
export interface AcceptedTelemetry {
  readonly deviceId: string;
  readonly enqueuedTimeMs: number;
  /** The device's properties (system and application) from its topic. */
  readonly properties: MessageProperties;
  /** What the hub stamped, by wire name (iothub-enqueuedtime, iothub-connection-device-id, …). */
  readonly stamped: ReadonlyArray<readonly [string, string]>;
  readonly body: Buffer;
}

export interface TelemetryRecord {
  readonly deviceId: string;
  readonly enqueuedTime: string;
  readonly properties: Readonly<Record<string, string | null>>;
  readonly bodyEncoding: 'json' | 'utf8' | 'base64';
  readonly body: unknown;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function telemetryRecord(m: AcceptedTelemetry): TelemetryRecord {
  const properties: Record<string, string | null> = {};
  for (const [field, key] of Object.entries(SYSTEM_PROPERTY_KEYS)) {
    const v = (m.properties as unknown as Record<string, string | undefined>)[field];
    if (v !== undefined) properties[key] = v;
  }
  Object.assign(properties, m.properties.app);
  for (const [k, v] of m.stamped) properties[k] = v;
  return { deviceId: m.deviceId, enqueuedTime: isoMicros(m.enqueuedTimeMs), properties, ...decodeBody(m.body) };
}

function decodeBody(body: Buffer): Pick<TelemetryRecord, 'bodyEncoding' | 'body'> {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return { bodyEncoding: 'base64', body: body.toString('base64') };
  }
  try {
    return { bodyEncoding: 'json', body: JSON.parse(text) as unknown };
  } catch {
    return { bodyEncoding: 'utf8', body: text };
  }
}
