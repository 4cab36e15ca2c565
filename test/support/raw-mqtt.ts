import { type MqttClient, mqtt } from '../../src/transports/mqtt/lib.js';

/**
 * A raw MQTT 3.1.1 client over TLS to 127.0.0.1 (a hostile or hand-driven device in IoT Hub tests): resolves on CONNACK 0,
 * rejects with `connack` set to the refusal code.
 */
export function connectRaw(
  port: number,
  cert: Buffer,
  login: { clientId: string; username: string; password: string; clean?: boolean },
): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(`mqtts://127.0.0.1:${port}`, {
      clientId: login.clientId,
      username: login.username,
      password: login.password,
      ca: cert,
      servername: 'localhost',
      clean: login.clean ?? false,
      reconnectPeriod: 0,
      protocolVersion: 4,
    });
    client.once('connect', () => resolve(client));
    client.once('error', (err: Error & { code?: number }) => {
      client.end(true);
      reject(Object.assign(new Error(err.message), { connack: err.code }));
    });
  });
}
