import type { Clock } from '../core/clock.js';
import type { TransportPlan } from '../scenario/plan.js';
import { createIotHubTransport } from './iothub/transport.js';
import { createMqttClientTransport } from './mqtt-client.js';
import type { Transport } from './transport.js';

/** Where a shard's devices go: the broker URL, and the hub's HTTPS device endpoints when known (the embedded hub's). */
export interface TransportTarget {
  readonly url: string;
  readonly httpUrl: string | undefined;
}

/** The transport for a fleet's dialect (plain MQTT, or the IoT Hub device protocol over MQTT or HTTPS) on its MQTT client. */
export function createTransport(target: TransportTarget, plan: TransportPlan, clock: Clock): Transport {
  return plan.dialect === 'iothub' ? createIotHubTransport(target, plan, clock) : createMqttClientTransport(target.url, plan);
}
