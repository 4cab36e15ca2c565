import type { Rng } from '../core/rng.js';
import type { ChannelSensorPlan } from '../scenario/plan.js';
import type { Readings } from './model.js';
import { type SensorState, initSensor, readSensor } from './physics/sensor.js';

/**
 * Sensor realism on any numeric channel (the fleet's `sensors:` map), applied by the runtime to what the model read:
 * noise, ADC, calibration offset and drift, stuck-at/spike/dropout faults (physics/sensor.ts), then rounding. It has
 * its own seeded stream, so switching it on for one channel never changes the model's values or the other channels'.
 */
export class ChannelSensors {
  private readonly channels: readonly string[];
  private readonly plans: readonly ChannelSensorPlan[];
  private readonly states: SensorState[];
  private readonly scales: readonly number[];

  constructor(
    sensors: Readonly<Record<string, ChannelSensorPlan>>,
    private readonly rng: Rng,
  ) {
    this.channels = Object.keys(sensors);
    this.plans = this.channels.map((c) => sensors[c] as ChannelSensorPlan);
    this.states = this.plans.map((p) => initSensor(p, rng));
    this.scales = this.plans.map((p) => 10 ** p.decimals);
  }

  /** Apply to `readings` in place (a fresh object from the model's read()); non-numbers pass through. */
  apply(readings: Readings, nowMs: number, dtMs: number): void {
    for (let i = 0; i < this.channels.length; i++) {
      const channel = this.channels[i] as string;
      const v = readings[channel];
      if (typeof v !== 'number') continue;
      const measured = readSensor(this.states[i] as SensorState, this.plans[i] as ChannelSensorPlan, v, nowMs, dtMs, this.rng);
      if (measured === null) readings[channel] = null;
      else {
        const scale = this.scales[i] as number;
        const r = Math.round(measured * scale) / scale;
        readings[channel] = r === 0 ? 0 : r; // no -0 in telemetry
      }
    }
  }

  /** Fault counts per channel, for getDiagnostics. */
  diagnostics(): Record<string, { spikes: number; stuckFaults: number; dropouts: number }> {
    const out: Record<string, { spikes: number; stuckFaults: number; dropouts: number }> = {};
    this.channels.forEach((c, i) => {
      const s = this.states[i] as SensorState;
      out[c] = { spikes: s.spikes, stuckFaults: s.stuckFaults, dropouts: s.dropouts };
    });
    return out;
  }
}
