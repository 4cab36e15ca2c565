/**
 * Pure Azure IoT Hub / DPS device-protocol library (reference ../shared/reference/azure-iot-hub.md):
 * SAS tokens, connection strings, CONNECT usernames, property bags, topics, error bodies.
 * No sockets, no timers, no clock: times are parameters.
 */
export * from './sas.js';
export * from './connection-string.js';
export * from './service-connection-string.js';
export * from './username.js';
export * from './properties.js';
export * from './topics.js';
export * from './errors.js';
export * from './enqueued.js';
export { EMBEDDED_HUB_HOST, EMBEDDED_ID_SCOPE, fleetDeviceKey, seededGroupKey } from './fleet-keys.js';
export * from './http-headers.js';
