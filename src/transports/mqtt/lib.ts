/** The one import site of mqtt.js. */
export { default as mqtt } from 'mqtt';
export type { IClientOptions, MqttClient } from 'mqtt';
