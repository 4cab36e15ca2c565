/**
 * D2C telemetry over HTTPS (reference §2.7): `POST /devices/{id}/messages/events` → 204. The property bag comes from
 * headers (iothub-messageid, iothub-correlationid, iothub-userid, iothub-to, iothub-expiry, iothub-contenttype,
 * iothub-contentencoding, iothub-creation-time-utc, dt-subject, iothub-app-<name>); a batch
 * (`Content-Type: application/vnd.microsoft.iothub.json`) is a JSON array of `{ body: <base64>, properties: {…} }` with
 * the same names as keys. Each message becomes the MQTT telemetry topic the device would have published to
 * (`devices/{id}/messages/events/{bag}`), so consumers see HTTPS and MQTT telemetry the same way.
 */
import type { IncomingMessage } from 'node:http';
import { APP_HEADER_PREFIX, type MessageProperties, SYSTEM_HEADERS, telemetryTopic } from '../../iothub/index.js';
import { ApiError, badJson, badRequest, header, readBody } from '../service-api/http.js';

export const BATCH_CONTENT_TYPE = 'application/vnd.microsoft.iothub.json';
export const MAX_D2C_BYTES = 256 * 1024;

export interface D2cMessage {
  readonly topic: string;
  /** The properties the topic's bag carries. */
  readonly properties: MessageProperties;
  readonly body: Buffer;
}

/** Properties from name/value pairs (header names lower-cased by the caller for system ones; app names as sent). */
function propertiesOf(pairs: ReadonlyArray<[string, string]>): MessageProperties {
  const props: MessageProperties = { app: {} };
  const app: Record<string, string> = {};
  for (const [name, value] of pairs) {
    const lower = name.toLowerCase();
    const sys = SYSTEM_HEADERS.find(([, h]) => h === lower);
    if (sys !== undefined) props[sys[0]] = value;
    else if (lower.startsWith(APP_HEADER_PREFIX) && name.length > APP_HEADER_PREFIX.length) app[name.slice(APP_HEADER_PREFIX.length)] = value;
  }
  props.app = app;
  return props;
}

/** The messages of one events request (one, or a batch), as telemetry topics and bodies. */
export async function d2cMessages(req: IncomingMessage, deviceId: string): Promise<D2cMessage[]> {
  const body = await readBody(req, MAX_D2C_BYTES);
  const ct = header(req, 'content-type') ?? '';
  if (!ct.toLowerCase().startsWith(BATCH_CONTENT_TYPE)) {
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) pairs.push([req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string]);
    return [d2cMessage(deviceId, propertiesOf(pairs), body)];
  }
  let items: unknown;
  try {
    items = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw badJson(`Batch body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!Array.isArray(items)) throw badRequest('A batch body must be a JSON array of { body, properties } objects');
  return items.map((item: unknown, i) => {
    const m = item as { body?: unknown; base64Encoded?: unknown; properties?: unknown };
    if (m === null || typeof m !== 'object' || typeof m.body !== 'string') throw badRequest(`Batch item ${i} needs a string body`);
    const props = m.properties ?? {};
    if (props === null || typeof props !== 'object' || Array.isArray(props)) throw badRequest(`Batch item ${i}: properties must be an object`);
    const pairs = Object.entries(props as Record<string, unknown>).map(([k, v]) => [k, String(v)] as [string, string]);
    const data = m.base64Encoded === false ? Buffer.from(m.body, 'utf8') : Buffer.from(m.body, 'base64');
    return d2cMessage(deviceId, propertiesOf(pairs), data);
  });
}

function d2cMessage(deviceId: string, properties: MessageProperties, body: Buffer): D2cMessage {
  return { topic: telemetryTopic(deviceId, properties), properties, body };
}

export const tooManyUploads = (deviceId: string, max: number): ApiError =>
  new ApiError(403006, 'DeviceMaximumActiveFileUploadLimitExceeded', `Device ${deviceId} already has ${max} file uploads in progress (maximum ${max})`);
