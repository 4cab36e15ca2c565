import type { Clock } from '../core/clock.js';
import type { TransportPlan } from '../scenario/plan.js';
import { createIotHubTransport } from './iothub/transport.js';
import { createMqttTransport } from './mqtt/client.js';
import type { Transport } from './transport.js';

/** The transport for a fleet's dialect: plain MQTT, or the IoT Hub device protocol over MQTT. */
export function createTransport(url: string, plan: TransportPlan, clock: Clock): Transport {
  return plan.dialect === 'iothub' ? createIotHubTransport(url, plan, clock) : createMqttTransport(url, plan);
}
