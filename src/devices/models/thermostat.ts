import { z } from '../../core/zod.js';
import type { DeviceModel } from '../model.js';

const params = z
  .object({
    setpoint: z.number().min(5).max(35).default(21).describe('target temperature, °C (5–35)'),
    initial: z.number().min(-20).max(50).optional().describe('starting temperature, °C; default: setpoint ± 2 (seeded)'),
    drift: z.number().min(0).max(5).default(0.05).describe('random-walk step size, °C per √minute (0–5)'),
    pull: z.number().min(0).max(1).default(0.02).describe('fraction of the gap to the setpoint closed per minute (0–1)'),
  })
  .strict();

type Params = z.infer<typeof params>;
interface State {
  temperature: number;
  humidity: number;
  setpoint: number;
  drift: number;
  pull: number;
}

/**
 * A room thermostat: temperature does a mean-reverting random walk (Ornstein–Uhlenbeck) toward the setpoint;
 * relative humidity walks slowly around 45 %. The minimal model the pipeline runs on; issue 3 adds real physics.
 */
export const thermostat: DeviceModel<Params, State> = {
  name: 'thermostat',
  description: 'room thermostat: temperature random-walks toward a setpoint, humidity drifts around 45 %',
  params,
  channels: {
    temperature: { unit: '°C', description: 'room temperature' },
    humidity: { unit: '%RH', description: 'relative humidity' },
    setpoint: { unit: '°C', description: 'current setpoint' },
  },
  init({ params: p, rng }) {
    return {
      temperature: p.initial ?? p.setpoint + rng.uniform(-2, 2),
      humidity: 45 + rng.uniform(-5, 5),
      setpoint: p.setpoint,
      drift: p.drift,
      pull: p.pull,
    };
  },
  step(s, _nowMs, dtMs, rng) {
    const minutes = dtMs / 60_000;
    if (minutes <= 0) return s;
    const sqrtMin = Math.sqrt(minutes);
    s.temperature += (s.setpoint - s.temperature) * Math.min(1, s.pull * minutes) + rng.normal(0, s.drift * sqrtMin);
    s.humidity += (45 - s.humidity) * Math.min(1, 0.01 * minutes) + rng.normal(0, 0.2 * sqrtMin);
    s.humidity = Math.min(100, Math.max(0, s.humidity));
    return s;
  },
  onCommand(s, command) {
    if (command.name !== 'setSetpoint') return { status: 404 };
    const p = command.payload as { setpointC?: unknown; setpoint?: unknown } | null;
    const v = p?.setpointC ?? p?.setpoint;
    if (typeof v !== 'number' || v < 5 || v > 35) return { status: 400, payload: { error: 'setpointC: a number of °C, 5–35' } };
    s.setpoint = v;
    return { status: 200, payload: { setpoint: v } };
  },
  read(s) {
    return {
      temperature: Math.round(s.temperature * 100) / 100,
      humidity: Math.round(s.humidity * 10) / 10,
      setpoint: s.setpoint,
    };
  },
};
