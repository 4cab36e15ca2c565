import type { TransportPlan } from '../scenario/plan.js';
import { createLeanTransport } from './lean/client.js';
import { createMqttTransport } from './mqtt/client.js';
import type { Transport } from './transport.js';

/** The MQTT client a fleet asked for (transport.client): the lean client (default) or mqtt.js. */
export function createMqttClientTransport(url: string, plan: TransportPlan): Transport {
  return plan.client === 'mqttjs' ? createMqttTransport(url, plan) : createLeanTransport(url, plan);
}
