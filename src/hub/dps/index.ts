/** The embedded Device Provisioning Service (reference §3): enrollments, registration records, the flow, its MQTT hooks. */
export * from './enrollments.js';
export * from './registrations.js';
export * from './service.js';
export * from './gateway.js';
export * from './route.js';
export * from './assign.js';
