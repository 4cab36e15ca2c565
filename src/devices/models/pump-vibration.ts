import { z } from '../../core/zod.js';
import type { DeviceModel } from '../model.js';
import { type SensorParams, type SensorState, initSensor, readSensor } from '../physics/sensor.js';
import { DAY_MS } from '../physics/util.js';
import { DEFAULTS, type VibrationParams, type VibrationState, initVibration, stepVibration } from '../physics/vibration.js';
import { badPayload, notFound, num, ok, payloadNumber, perParams, round, sensorParamsSchema } from './common.js';

const G = 9.80665;
const RPM_RANGE = [300, 3600] as const;
const params = z
  .object({
    rpm: num(DEFAULTS.rpm, RPM_RANGE[0], RPM_RANGE[1], 'rpm', 'running speed (4-pole motor at 50 Hz ≈ 1480)'),
    speedJitterRpm: num(2, 0, 100, 'rpm', 'random load-dependent variation of the running speed, standard deviation'),
    imbalanceMmS: num(DEFAULTS.amp1xMmS, 0, 50, 'mm/s', 'healthy 1× (imbalance) velocity amplitude'),
    misalignmentMmS: num(DEFAULTS.amp2xMmS, 0, 50, 'mm/s', 'healthy 2× (misalignment, looseness) velocity amplitude'),
    wearOnsetMinDays: num(DEFAULTS.faultOnsetMinDays, 0, 3650, 'days', 'earliest start of bearing wear after the device starts (seeded uniform between min and max)'),
    wearOnsetMaxDays: num(DEFAULTS.faultOnsetMaxDays, 0, 3650, 'days', 'latest start of bearing wear; 0 = the bearing never wears'),
    wearGrowthPerDay: num(DEFAULTS.faultGrowthPerDay, 0, 10, '/day', 'exponential growth rate of wear severity after onset'),
    noiseFraction: num(DEFAULTS.noiseFraction, 0, 0.5, '', 'relative measurement noise of each spectral feature'),
    sensor: sensorParamsSchema('mm/s'),
  })
  .strict()
  .refine((p) => p.wearOnsetMaxDays === 0 || p.wearOnsetMaxDays >= p.wearOnsetMinDays, {
    message: 'wearOnsetMaxDays: expected 0 (never) or at least wearOnsetMinDays, days',
    path: ['wearOnsetMaxDays'],
  });
type Params = z.infer<typeof params>;

interface State {
  vib: VibrationState;
  /** Vibration params: shared by the fleet until setSpeed gives this device its own copy. */
  vp: VibrationParams;
  jitter: number;
  rpm: number;
  sp: SensorParams;
  probe: SensorState;
  rms: number | null;
}

const vibrationOf = perParams(
  (p: Params): VibrationParams => ({
    ...DEFAULTS,
    rpm: p.rpm,
    amp1xMmS: p.imbalanceMmS,
    amp2xMmS: p.misalignmentMmS,
    faultOnsetMinDays: p.wearOnsetMinDays,
    faultOnsetMaxDays: p.wearOnsetMaxDays,
    faultGrowthPerDay: p.wearGrowthPerDay,
    noiseFraction: p.noiseFraction,
  }),
);

/**
 * A centrifugal pump's vibration transmitter (vibration block): 1× imbalance and 2× misalignment lines, a bearing
 * defect line that appears after a seeded wear onset and grows exponentially, overall RMS velocity (ISO 20816) and
 * peak acceleration.
 */
export const pumpVibration: DeviceModel<Params, State> = {
  name: 'pump-vibration',
  description: 'pump vibration transmitter: 1×/2×/bearing lines, RMS velocity, peak acceleration, seeded bearing wear',
  params,
  channels: {
    rmsVelocity: { unit: 'mm/s', description: 'overall RMS velocity, 10–1000 Hz (ISO 20816)' },
    peakAcceleration: { unit: 'g', description: 'peak acceleration' },
    amplitude1x: { unit: 'mm/s', description: 'velocity amplitude at 1× running speed (imbalance)' },
    amplitude2x: { unit: 'mm/s', description: 'velocity amplitude at 2× running speed (misalignment, wear)' },
    bearingAmplitude: { unit: 'mm/s', description: 'velocity amplitude at the bearing defect frequency (BPFO)' },
    runningSpeedRpm: { unit: 'rpm', description: 'shaft speed' },
  },
  init({ params: p, rng }) {
    const vp = vibrationOf(p);
    const probe = initSensor(p.sensor, rng);
    return { vib: initVibration(vp, rng), vp, jitter: p.speedJitterRpm, rpm: vp.rpm, sp: p.sensor, probe, rms: 0 };
  },
  step(s, nowMs, dtMs, rng) {
    stepVibration(s.vib, s.vp, nowMs, dtMs, rng);
    s.rpm = s.jitter > 0 ? s.vp.rpm + rng.normal(0, s.jitter) : s.vp.rpm;
    s.rms = readSensor(s.probe, s.sp, s.vib.rmsVelocityMmS, nowMs, dtMs, rng);
    return s;
  },
  read: (s) => ({
    rmsVelocity: round(s.rms, 2),
    peakAcceleration: round(s.vib.peakAccelMs2 / G, 3),
    amplitude1x: round(s.vib.amp1xMmS, 2),
    amplitude2x: round(s.vib.amp2xMmS, 2),
    bearingAmplitude: round(s.vib.ampBearingMmS, 2),
    runningSpeedRpm: round(s.rpm, 0),
  }),
  onCommand(s, command) {
    if (command.name === 'setSpeed') {
      const v = payloadNumber(command.payload, 'rpm', RPM_RANGE[0], RPM_RANGE[1], 'rpm');
      if (typeof v === 'string') return badPayload(v);
      s.vp = { ...s.vp, rpm: v };
      return ok({ rpm: v });
    }
    if (command.name !== 'getDiagnostics') return notFound(command);
    const onset = s.vib.onsetMs;
    return ok({
      ageDays: round(s.vib.ageMs / DAY_MS, 3),
      wearOnsetDays: Number.isFinite(onset) ? round(onset / DAY_MS, 2) : null,
      wearSeverity: round(s.vib.severity, 4),
      rpm: s.vp.rpm,
    });
  },
};
