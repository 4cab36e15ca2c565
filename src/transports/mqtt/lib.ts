/** The one import site of mqtt.js. */
export { default as mqtt, MqttClient } from 'mqtt';
export type { IClientOptions } from 'mqtt';
