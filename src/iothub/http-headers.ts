/**
 * Message properties as HTTP headers on IoT Hub's HTTPS device endpoints (reference §2.7): system properties under
 * their `iothub-*` names (and `dt-subject` for the Plug and Play component), application properties as
 * `iothub-app-<name>`. Used by the hub's device endpoints and by fleetsim's HTTPS devices alike.
 */
import type { MessageProperties } from './properties.js';

export const APP_HEADER_PREFIX = 'iothub-app-';

/** System property → its header name. */
export const SYSTEM_HEADERS: ReadonlyArray<readonly [Exclude<keyof MessageProperties, 'app'>, string]> = [
  ['messageId', 'iothub-messageid'],
  ['correlationId', 'iothub-correlationid'],
  ['userId', 'iothub-userid'],
  ['to', 'iothub-to'],
  ['expiry', 'iothub-expiry'],
  ['contentType', 'iothub-contenttype'],
  ['contentEncoding', 'iothub-contentencoding'],
  ['creationTimeUtc', 'iothub-creation-time-utc'],
  ['component', 'dt-subject'],
  ['interfaceId', 'iothub-interface-id'],
];
