/** The IoT Hub emulator's pure state layer: no sockets, no MQTT, time and timers injected. */
export * from './errors.js';
export * from './json.js';
export * from './timers.js';
export * from './registry.js';
export * from './twin-limits.js';
export * from './twin.js';
export * from './c2d-queue.js';
export * from './methods.js';
export * from './connections.js';
export * from './query.js';
export * from './throttle.js';
