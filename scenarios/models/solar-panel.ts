/**
 * A device model in TypeScript, loaded from its path: `model: models/solar-panel.ts` in a scenario, or
 * `fleetsim preview scenarios/models/solar-panel.ts --duration 3d --plot solar.svg`. No build step: fleetsim
 * compiles it on the fly. Only `import type` and fleetsim's own `z` are needed; the model must be pure: state in,
 * state out, randomness only from the rng it is given, time only from nowMs.
 */
import { type DeviceModel, z } from 'fleetsim';

const params = z
  .object({
    peakKw: z.number().min(0.1).max(1000).default(5).describe('rated peak power, kW (0.1–1000)'),
    latitude: z.number().min(-66).max(66).default(48).describe('site latitude, ° (−66–66)'),
    cloudiness: z.number().min(0).max(1).default(0.3).describe('mean share of sunlight clouds take away (0–1)'),
  })
  .strict();

type Params = z.infer<typeof params>;

interface State {
  p: Params;
  /** Cloud cover 0–1, an Ornstein–Uhlenbeck process around the mean, 2-hour correlation. */
  cloud: number;
  /** Curtailment limit set by command, share of peak (1 = none). */
  limit: number;
  powerKw: number;
  energyKwh: number;
}

const DAY_MS = 86_400_000;
const rad = Math.PI / 180;

/** Sine of the sun's elevation at `nowMs` (UTC, the site on the Greenwich meridian); ≤ 0 at night. */
function sunElevationSin(nowMs: number, latitude: number): number {
  const dayOfYear = Math.floor(nowMs / DAY_MS) % 365;
  const declination = -23.44 * Math.cos((2 * Math.PI * (dayOfYear + 10)) / 365) * rad;
  const hourAngle = (((nowMs % DAY_MS) / DAY_MS) * 24 - 12) * 15 * rad;
  const lat = latitude * rad;
  return Math.sin(lat) * Math.sin(declination) + Math.cos(lat) * Math.cos(declination) * Math.cos(hourAngle);
}

export const model: DeviceModel<Params, State> = {
  name: 'solar-panel',
  description: 'rooftop PV inverter: output follows the sun and passing clouds; a curtailment command caps it',
  params,
  channels: {
    powerKw: { unit: 'kW', description: 'AC output power' },
    energyKwh: { unit: 'kWh', description: 'energy produced since start' },
    cloud: { unit: '%', description: 'cloud cover' },
  },
  init: ({ params: p, rng }) => ({ p, cloud: Math.min(1, Math.max(0, p.cloudiness + rng.normal(0, 0.1))), limit: 1, powerKw: 0, energyKwh: 0 }),
  step(s, nowMs, dtMs, rng) {
    if (!(dtMs > 0)) return s;
    const a = Math.exp(-dtMs / 7_200_000);
    const cloud = s.p.cloudiness + (s.cloud - s.p.cloudiness) * a + rng.normal(0, 0.25 * Math.sqrt(1 - a * a));
    s.cloud = Math.min(1, Math.max(0, cloud));
    const sun = Math.max(0, sunElevationSin(nowMs, s.p.latitude));
    s.powerKw = Math.min(s.p.peakKw * s.limit, s.p.peakKw * sun * (1 - 0.75 * s.cloud));
    s.energyKwh += (s.powerKw * dtMs) / 3_600_000;
    return s;
  },
  read: (s) => ({
    powerKw: Math.round(s.powerKw * 1000) / 1000,
    energyKwh: Math.round(s.energyKwh * 1000) / 1000,
    cloud: Math.round(s.cloud * 100),
  }),
  onCommand(s, command) {
    if (command.name !== 'setCurtailment') return { status: 404, payload: { error: `unknown command "${command.name}"` } };
    const limit = (command.payload as { percent?: unknown } | null)?.percent;
    if (typeof limit !== 'number' || limit < 0 || limit > 100) return { status: 400, payload: { error: 'percent: a number from 0 to 100' } };
    s.limit = limit / 100;
    return { status: 200, payload: { limitPercent: limit } };
  },
};
