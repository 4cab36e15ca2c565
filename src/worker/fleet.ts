import { createRng } from '../core/rng.js';
import { compileTemplate } from '../core/template.js';
import { telemetryTopic } from '../iothub/index.js';
import { ChannelSensors } from '../devices/channel-sensors.js';
import { Mcu } from '../devices/mcu/mcu.js';
import type { McuPlan, RunPlan } from '../scenario/plan.js';
import type { ShardRange } from '../scenario/shard.js';
import { type FleetContext, DeviceRuntime } from './device.js';

/**
 * Create the devices of one shard. Identity, streams and initial model state depend only on the seed, the fleet and
 * the device index, never on the shard layout.
 */
export function buildDevices(plan: RunPlan, shard: ShardRange, fleets: readonly FleetContext[]): DeviceRuntime[] {
  const out: DeviceRuntime[] = [];
  for (const fleet of fleets) {
    const f = fleet.plan;
    const first = Math.max(shard.first, f.firstIndex);
    const end = Math.min(shard.end, f.firstIndex + f.count);
    if (first >= end) continue;
    const idOf = compileTemplate(f.idPattern, ['fleet', 'index']);
    const topicOf = f.transport.dialect === 'iothub' ? iotHubTopic(f.telemetry.format) : compileTemplate(f.transport.topic, ['deviceId', 'fleet', 'index']);
    const hasSensors = Object.keys(f.sensors).length > 0;
    for (let g = first; g < end; g++) {
      const index = g - f.firstIndex;
      const deviceId = idOf({ fleet: f.id, index });
      const topic = topicOf({ deviceId, fleet: f.id, index });
      const modelRng = createRng(plan.seed, 'model', f.id, index);
      const schedRng = createRng(plan.seed, 'schedule', f.id, index);
      const state = fleet.model.init({ deviceId, fleetId: f.id, index, params: f.params, rng: modelRng });
      // Streams of their own, created only when used: switching either on changes neither timing nor model values.
      const sensors = hasSensors ? new ChannelSensors(f.sensors, createRng(plan.seed, 'sensors', f.id, index)) : undefined;
      const mcu = needsMcu(f.mcu) ? new Mcu(f.mcu, createRng(plan.seed, 'mcu', f.id, index), plan.startTimeMs) : undefined;
      out.push(new DeviceRuntime(g, index, deviceId, topic, fleet, schedRng, modelRng, state, sensors, mcu));
    }
  }
  return out;
}

/** IoT Hub telemetry topic with the content type and encoding (so the hub can route on the body, reference §2.1). */
function iotHubTopic(format: 'json' | 'cbor'): (v: { deviceId: string; fleet: string; index: number }) => string {
  const props = format === 'json' ? { contentType: 'application/json', contentEncoding: 'utf-8', app: {} } : { contentType: 'application/cbor', app: {} };
  return ({ deviceId }) => telemetryTopic(deviceId, props);
}

/** A clock that drifts or a watchdog that fires needs per-device MCU state; boot time and sleep do not. */
function needsMcu(m: McuPlan): boolean {
  return m.clockDriftPpm > 0 || m.watchdogResetsPerDay > 0;
}
