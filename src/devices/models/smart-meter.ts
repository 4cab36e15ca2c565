import { z } from '../../core/zod.js';
import type { DeviceModel } from '../model.js';
import { BUILDING, DEFAULTS, type MeterParams, type MeterState, PROFILES, initMeter, stepMeter } from '../physics/meter.js';
import { HOUR_MS, MINUTE_MS, OuStepper } from '../physics/util.js';
import { notFound, num, ok, perParams, round } from './common.js';

const nullableKw = (meaning: string) => {
  const error = (iss: { input?: unknown }): string => `expected a number from 0 to 10000 kW, or null; found ${JSON.stringify(iss.input)}`;
  return z.number({ error }).min(0, { error }).max(10_000, { error }).nullable().default(null).describe(`${meaning}, kW (0–10000); null = the profile's own`);
};

/** The OU step with its decay remembered for the last interval (see OuStepper). */
const voltageOu = new OuStepper();

const params = z
  .object({
    profile: z
      .enum(['household', 'building'], { error: (iss) => `expected "household" or "building"; found ${JSON.stringify(iss.input)}` })
      .default('household')
      .describe('load profile: household (evening peak, ≈ 11 kWh/day) or building (office hours, ≈ 350 kWh/weekday)'),
    baseLoadKw: nullableKw('night-time base load (the profile minimum)'),
    peakLoadKw: nullableKw('daily peak of the profile without appliances'),
    appliancesPerHour: z
      .number({ error: (iss) => `expected a number from 0 to 60 /h, or null; found ${JSON.stringify(iss.input)}` })
      .min(0)
      .max(60)
      .nullable()
      .default(null)
      .describe("appliance / plant switch-ons per hour (kettle, oven; chillers, lifts), /h (0–60); null = the profile's own (0.6 or 2)"),
    nominalVoltageV: num(230, 100, 480, 'V', 'nominal supply voltage'),
    voltageNoiseV: num(1.5, 0, 20, 'V', 'slow grid voltage variation, standard deviation (20-minute correlation)'),
    voltageDropAtPeakV: num(1.5, 0, 50, 'V', 'voltage drop at the meter at the peak load (feeder impedance; proportional to the load)'),
  })
  .strict()
  .refine((p) => p.baseLoadKw === null || p.peakLoadKw === null || p.peakLoadKw > p.baseLoadKw, {
    message: 'peakLoadKw: expected more kW than baseLoadKw',
    path: ['peakLoadKw'],
  });
type Params = z.infer<typeof params>;

interface Config {
  meter: MeterParams;
  /** Constant load added to the scaled profile so its minimum is the base load, kW. */
  offsetKw: number;
  nominalV: number;
  noiseV: number;
  dropVPerKw: number;
}

interface State {
  c: Config;
  m: MeterState;
  /** Energy of the constant offset load, kWh (kept apart so the block's integral stays exact). */
  offsetKwh: number;
  /** Grid voltage deviation (OU), V. */
  dv: number;
}

const configOf = perParams((p: Params): Config => {
  const preset = p.profile === 'building' ? BUILDING : DEFAULTS;
  const knots = [...PROFILES[p.profile][0], ...PROFILES[p.profile][1]];
  const lo = Math.min(...knots);
  const hi = Math.max(...knots);
  const base = p.baseLoadKw ?? lo;
  const scale = ((p.peakLoadKw ?? (p.baseLoadKw === null ? hi : Math.max(hi, base + hi - lo))) - base) / (hi - lo);
  const meter = { ...preset, scale, applianceRatePerHour: p.appliancesPerHour ?? preset.applianceRatePerHour };
  return { meter, offsetKw: base - scale * lo, nominalV: p.nominalVoltageV, noiseV: p.voltageNoiseV, dropVPerKw: p.voltageDropAtPeakV / (base + scale * (hi - lo)) };
});

const power = (s: State): number => s.m.powerKw + s.c.offsetKw;

/**
 * An electricity meter (meter block): a household or building load profile (weekday/weekend, linear between hourly
 * knots) plus seeded appliance runs, energy as the exact integral of power, and the supply voltage: nominal, a slow
 * grid variation and a drop with the load.
 */
export const smartMeter: DeviceModel<Params, State> = {
  name: 'smart-meter',
  description: 'electricity meter: household or building load profile with appliance runs, cumulative kWh, supply voltage',
  params,
  channels: {
    powerKw: { unit: 'kW', description: 'active power (1 W resolution)' },
    energyKwh: { unit: 'kWh', description: 'energy imported since start (1 Wh resolution)' },
    voltage: { unit: 'V', description: 'supply voltage (0.1 V)' },
  },
  init({ params: p, rng }) {
    const c = configOf(p);
    return { c, m: initMeter(c.meter, rng), offsetKwh: 0, dv: rng.normal(0, p.voltageNoiseV) };
  },
  step(s, nowMs, dtMs, rng) {
    if (!(dtMs > 0)) return s;
    stepMeter(s.m, s.c.meter, nowMs, dtMs, rng);
    s.offsetKwh += (s.c.offsetKw * dtMs) / HOUR_MS;
    s.dv = voltageOu.step(s.dv, s.c.noiseV, 20 * MINUTE_MS, dtMs, rng);
    return s;
  },
  read: (s) => ({
    powerKw: round(power(s), 3),
    energyKwh: round(s.m.energyKwh + s.offsetKwh, 3),
    voltage: round(s.c.nominalV + s.dv - s.c.dropVPerKw * power(s), 1),
  }),
  onCommand(s, command) {
    if (command.name !== 'getDiagnostics') return notFound(command);
    return ok({
      profile: s.c.meter.kind,
      appliancesStarted: s.m.appliances,
      appliancesRunning: s.m.appLeftMs.filter((ms) => ms > 0).length,
      energyKwh: round(s.m.energyKwh + s.offsetKwh, 6),
    });
  },
};
