/** One block kind per physics module: its params (from the module's DEFAULTS), inputs and outputs. */
import { type BatteryParams, type BatteryState, DEFAULTS as BATTERY, initBattery, stepBattery } from '../physics/battery.js';
import { type Co2Params, type Co2State, DEFAULTS as CO2, initCo2, stepCo2 } from '../physics/co2.js';
import { DEFAULTS as GPS, type GpsParams, type GpsState, initGps, stepGps } from '../physics/gps.js';
import { DEFAULTS as HUMIDITY, type HumidityParams, type HumidityState, initHumidity, stepHumidity } from '../physics/humidity.js';
import { DEFAULTS as METER, type MeterParams, type MeterState, initMeter, stepMeter } from '../physics/meter.js';
import { DEFAULTS as PRESSURE, type PressureParams, type PressureState, initPressure, stepPressure } from '../physics/pressure.js';
import { DEFAULTS as SOIL, type SoilParams, type SoilState, initSoil, stepSoil } from '../physics/soil.js';
import { DEFAULTS as THERMAL, type ThermalParams, type ThermalState, initThermal, stepThermal } from '../physics/thermal.js';
import { DEFAULTS as VIBRATION, type VibrationParams, type VibrationState, initVibration, stepVibration } from '../physics/vibration.js';
import { MINUTE_MS } from '../physics/util.js';
import { type DutyCycle, dutyCycleCurrentMa } from '../models/common.js';
import { type AnyBlockKind, defineKind, flagOut, numberOut } from './kind.js';
import { type ParamProblem, int, n, oneOf, route } from './params.js';

const atLeast = (ok: boolean, key: string, message: string): ParamProblem[] => (ok ? [] : [{ key, message }]);

export const thermal = defineKind<ThermalParams, ThermalState>({
  kind: 'thermal',
  description: 'a space (room, greenhouse, cold room) toward a daily ambient, with an on/off heater or compressor and door openings',
  params: {
    mode: oneOf(THERMAL.mode, ['heat', 'cool'], 'heat: the actuator is a heater (on below the band); cool: a compressor (on above it)'),
    tauMinutes: n(THERMAL.tauMinutes, 1, 100_000, 'min', 'time constant of the space toward ambient (insulation × thermal mass)'),
    ambientMeanC: n(THERMAL.ambientMeanC, -60, 60, '°C', 'daily mean of the ambient around the space'),
    ambientAmplitudeC: n(THERMAL.ambientAmplitudeC, 0, 30, '°C', 'half the daily swing of the ambient'),
    ambientPeakHour: n(THERMAL.ambientPeakHour, 0, 24, 'h UTC', 'hour of day at which the ambient is warmest'),
    setpointC: n(THERMAL.setpointC, -100, 200, '°C', 'controller setpoint'),
    hysteresisC: n(THERMAL.hysteresisC, 0, 20, '°C', 'half-width of the controller band: switches at setpoint ± this'),
    actuatorTargetC: n(THERMAL.actuatorTargetC, -100, 300, '°C', 'temperature the running actuator pulls the space toward (heater, evaporator)'),
    actuatorTauMinutes: n(THERMAL.actuatorTauMinutes, 0, 100_000, 'min', 'time constant of the actuator pull; 0 = no actuator'),
    doorRatePerHour: n(THERMAL.doorRatePerHour, 0, 60, '/h', 'door openings per hour (Poisson); 0 = always shut'),
    doorHeatC: n(THERMAL.doorHeatC, -20, 20, '°C', 'mean temperature change per door opening (negative: cold air in)'),
  },
  inputs: {},
  outputs: {
    temperatureC: numberOut('°C', 'temperature of the space', (s) => s.temperatureC),
    actuatorOn: flagOut('heater / compressor running', (s) => s.on),
    cycles: numberOut('count', 'actuator off→on switches so far', (s) => s.cycles),
    actuatorOnMinutes: numberOut('min', 'cumulative actuator running time', (s) => s.onMs / MINUTE_MS),
    doorOpenings: numberOut('count', 'door openings so far', (s) => s.doorOpenings),
  },
  init: (p, _in, _dev, rng) => initThermal(p, rng),
  step: (s, p, _in, _dev, now, dt, rng) => stepThermal(s, p, now, dt, rng),
});

export const humidity = defineKind<HumidityParams, HumidityState, 'temperature'>({
  kind: 'humidity',
  description: 'relative humidity of air whose moisture relaxes toward a target; RH falls as the air warms',
  params: {
    targetRhPercent: n(HUMIDITY.targetRhPercent, 0, 100, '%RH', 'moisture level the air relaxes toward, as RH at targetAtC'),
    targetAtC: n(HUMIDITY.targetAtC, -40, 60, '°C', 'temperature at which targetRhPercent holds'),
    relaxHours: n(HUMIDITY.relaxHours, 0, 1000, 'h', 'time constant of the moisture relaxation'),
    noiseHPaPerSqrtHour: n(HUMIDITY.noiseHPaPerSqrtHour, 0, 10, 'hPa/√h', 'random moisture fluctuation'),
  },
  inputs: {
    temperature: { type: 'value', unit: '°C', min: -80, max: 100, meaning: 'air temperature', absent: 'the targetAtC param' },
  },
  absent: { temperature: (p) => p.targetAtC },
  outputs: {
    rhPercent: numberOut('%RH', 'relative humidity', (s) => s.rhPercent),
    vapourPressureHPa: numberOut('hPa', 'water-vapour partial pressure', (s) => s.vapourPressureHPa),
  },
  init: (p, i, dev, rng) => initHumidity(p, i.temperature(dev), rng),
  step: (s, p, i, dev, now, dt, rng) => stepHumidity(s, p, i.temperature(dev), now, dt, rng),
});

export const pressure = defineKind<PressureParams, PressureState>({
  kind: 'pressure',
  description: 'barometric pressure: weather fronts (Ornstein–Uhlenbeck) plus the semidiurnal tide',
  params: {
    meanHPa: n(PRESSURE.meanHPa, 300, 1100, 'hPa', 'long-term mean station pressure'),
    frontSdHPa: n(PRESSURE.frontSdHPa, 0, 50, 'hPa', 'weather-front anomaly, standard deviation'),
    frontTauDays: n(PRESSURE.frontTauDays, 0, 60, 'days', 'correlation time of weather fronts'),
    tideAmplitudeHPa: n(PRESSURE.tideAmplitudeHPa, 0, 5, 'hPa', 'amplitude of the 12-hour atmospheric tide'),
    tidePeakHour: n(PRESSURE.tidePeakHour, 0, 24, 'h UTC', 'first daily maximum of the tide'),
  },
  inputs: {},
  outputs: {
    pressureHPa: numberOut('hPa', 'station pressure', (s) => s.pressureHPa),
    anomalyHPa: numberOut('hPa', 'weather anomaly from the mean', (s) => s.anomalyHPa),
  },
  init: (p, _in, _dev, rng) => initPressure(p, rng),
  step: (s, p, _in, _dev, now, dt, rng) => stepPressure(s, p, now, dt, rng),
});

export const vibration = defineKind<VibrationParams, VibrationState>({
  kind: 'vibration',
  description: 'a rotating machine with a seeded bearing-wear fault growing after onset: spectral lines, RMS velocity, peak acceleration',
  params: {
    rpm: n(VIBRATION.rpm, 1, 100_000, 'rpm', 'running speed'),
    amp1xMmS: n(VIBRATION.amp1xMmS, 0, 50, 'mm/s', 'healthy 1× (imbalance) velocity amplitude'),
    amp2xMmS: n(VIBRATION.amp2xMmS, 0, 50, 'mm/s', 'healthy 2× (misalignment) velocity amplitude'),
    broadbandMmS: n(VIBRATION.broadbandMmS, 0, 50, 'mm/s', 'healthy broadband velocity floor (RMS)'),
    bearingOrder: n(VIBRATION.bearingOrder, 0.1, 50, '×', 'bearing defect frequency as an order of running speed'),
    faultOnsetMinDays: n(VIBRATION.faultOnsetMinDays, 0, 3650, 'days', 'earliest fault onset after start (seeded uniform between min and max)'),
    faultOnsetMaxDays: n(VIBRATION.faultOnsetMaxDays, 0, 3650, 'days', 'latest fault onset; 0 = no fault'),
    faultInitialSeverity: n(VIBRATION.faultInitialSeverity, 0, 1, '', 'severity at onset'),
    faultGrowthPerDay: n(VIBRATION.faultGrowthPerDay, 0, 10, '/day', 'exponential growth rate of severity after onset'),
    fault2xMmS: n(VIBRATION.fault2xMmS, 0, 100, 'mm/s', 'added 2× amplitude at full severity'),
    faultBearingMmS: n(VIBRATION.faultBearingMmS, 0, 100, 'mm/s', 'bearing-frequency amplitude at full severity'),
    faultBroadbandMmS: n(VIBRATION.faultBroadbandMmS, 0, 100, 'mm/s', 'added broadband RMS at full severity'),
    noiseFraction: n(VIBRATION.noiseFraction, 0, 0.5, '', 'relative measurement noise of each feature'),
  },
  check: (p) =>
    atLeast(p.faultOnsetMaxDays === 0 || p.faultOnsetMaxDays >= p.faultOnsetMinDays, 'faultOnsetMaxDays', `expected 0 or at least faultOnsetMinDays (${p.faultOnsetMinDays} days); found ${p.faultOnsetMaxDays}`),
  inputs: {},
  outputs: {
    rmsVelocityMmS: numberOut('mm/s', 'overall RMS velocity (ISO 10816 / 20816)', (s) => s.rmsVelocityMmS),
    peakAccelMs2: numberOut('m/s²', 'peak acceleration', (s) => s.peakAccelMs2),
    amp1xMmS: numberOut('mm/s', '1× line amplitude', (s) => s.amp1xMmS),
    amp2xMmS: numberOut('mm/s', '2× line amplitude', (s) => s.amp2xMmS),
    ampBearingMmS: numberOut('mm/s', 'bearing-frequency line amplitude', (s) => s.ampBearingMmS),
    severity: numberOut('', 'bearing fault severity, 0 (healthy) … 1 (failed)', (s) => s.severity),
  },
  init: (p, _in, _dev, rng) => initVibration(p, rng),
  step: (s, p, _in, _dev, now, dt, rng) => stepVibration(s, p, now, dt, rng),
});

export const gps = defineKind<GpsParams, GpsState>({
  kind: 'gps',
  description: 'a vehicle driving a closed route of waypoints with stops, GPS noise and a circular geofence',
  params: {
    route: route(GPS.route, 'closed route of waypoints; the last connects back to the first (default: a 4.9 km loop in Berlin)'),
    cruiseMs: n(GPS.cruiseMs, 0.1, 100, 'm/s', 'cruise speed (13.9 = 50 km/h)'),
    accelMs2: n(GPS.accelMs2, 0.1, 10, 'm/s²', 'acceleration and braking'),
    stopMinS: n(GPS.stopMinS, 0, 86_400, 's', 'shortest stop at each waypoint'),
    stopMaxS: n(GPS.stopMaxS, 0, 86_400, 's', 'longest stop at each waypoint (seeded uniform between min and max)'),
    noiseM: n(GPS.noiseM, 0, 100, 'm', 'horizontal GPS noise, standard deviation per axis'),
    geofenceLat: n(GPS.geofenceLat, -90, 90, '°', 'geofence centre latitude'),
    geofenceLon: n(GPS.geofenceLon, -180, 180, '°', 'geofence centre longitude'),
    geofenceRadiusM: n(GPS.geofenceRadiusM, 0, 1_000_000, 'm', 'geofence radius; 0 = no geofence'),
  },
  check: (p) => atLeast(p.stopMaxS >= p.stopMinS, 'stopMaxS', `expected at least stopMinS (${p.stopMinS} s); found ${p.stopMaxS}`),
  inputs: {},
  outputs: {
    lat: numberOut('°', 'reported latitude (with GPS noise)', (s) => s.lat),
    lon: numberOut('°', 'reported longitude (with GPS noise)', (s) => s.lon),
    speedKmh: numberOut('km/h', 'speed', (s) => s.speedMs * 3.6),
    headingDeg: numberOut('°', 'heading, clockwise from north', (s) => s.headingDeg),
    odometerM: numberOut('m', 'distance driven', (s) => s.odometerM),
    insideGeofence: flagOut('inside the geofence (true position)', (s) => s.insideGeofence),
    geofenceEntries: numberOut('count', 'geofence entries so far', (s) => s.geofenceEntries),
    geofenceExits: numberOut('count', 'geofence exits so far', (s) => s.geofenceExits),
  },
  init: (p, _in, _dev, rng) => initGps(p, rng),
  step: (s, p, _in, _dev, now, dt, rng) => stepGps(s, p, now, dt, rng),
});

/** The duty cycle a battery block draws when neither currentMa nor dutyCycle is given. */
export const DEFAULT_DUTY_CYCLE: DutyCycle = { activeMs: 1500, activeMa: 25, sleepUa: 8 };

interface BatteryBlockState {
  readonly bat: BatteryState;
  /** Average current of the last step, mA. */
  currentMa: number;
}

export const battery = defineKind<BatteryParams, BatteryBlockState, 'temperature' | 'currentMa'>({
  kind: 'battery',
  description: 'a Li-ion cell drained (or charged, negative current) by the device; less capacity in the cold; latches dead below the cutoff',
  params: {
    capacityMah: n(BATTERY.capacityMah, 1, 100_000, 'mAh', 'capacity at 25 °C (less in the cold)'),
    internalResistanceOhm: n(BATTERY.internalResistanceOhm, 0, 10, 'Ω', 'internal resistance'),
    cutoffV: n(BATTERY.cutoffV, 2.5, 4.1, 'V', 'the device browns out below this terminal voltage'),
    selfDischargePercentPerMonth: n(BATTERY.selfDischargePercentPerMonth, 0, 100, '%/month', 'self-discharge'),
    initialSocPercent: n(BATTERY.initialSocPercent, 1, 100, '%', 'state of charge at start (seeded ± 2 unless 100)'),
  },
  inputs: {
    temperature: { type: 'value', unit: '°C', min: -40, max: 85, meaning: 'cell temperature', absent: '25 °C' },
    currentMa: { type: 'value', unit: 'mA', min: -10_000, max: 10_000, meaning: 'average current drawn (negative: charging)', absent: 'the dutyCycle' },
    dutyCycle: {
      type: 'dutyCycle',
      instead: 'currentMa',
      meaning: 'instead of currentMa: one wake per step of activeMs at activeMa, sleepUa otherwise',
      absent: `{ activeMs: ${DEFAULT_DUTY_CYCLE.activeMs}, activeMa: ${DEFAULT_DUTY_CYCLE.activeMa}, sleepUa: ${DEFAULT_DUTY_CYCLE.sleepUa} }`,
    },
  },
  absent: { temperature: () => 25, currentMa: (_p, dev) => dutyCycleCurrentMa(DEFAULT_DUTY_CYCLE, dev.dtMs) },
  outputs: {
    voltageV: numberOut('V', 'terminal voltage under load (never rises while discharging)', (s) => s.bat.voltageV),
    socPercent: numberOut('%', 'state of charge', (s) => s.bat.socPercent),
    usedMah: numberOut('mAh', 'charge drawn from full', (s) => s.bat.usedMah),
    currentMa: numberOut('mA', 'average current of the last step', (s) => s.currentMa),
    dead: flagOut('below the cutoff voltage (latched)', (s) => s.bat.dead),
  },
  init: (p, _in, _dev, rng) => ({ bat: initBattery(p, rng), currentMa: 0 }),
  step(s, p, i, dev, now, dt, rng) {
    s.currentMa = i.currentMa(dev);
    stepBattery(s.bat, p, s.currentMa, i.temperature(dev), now, dt, rng);
  },
  dead: (s) => s.bat.dead,
});

export const meter = defineKind<MeterParams, MeterState>({
  kind: 'meter',
  description: 'electricity load: a daily household or building profile plus random appliances, integrated to energy',
  params: {
    kind: oneOf(METER.kind, ['household', 'building'], 'load profile: household (evening peak) or building (office hours)'),
    scale: n(METER.scale, 0, 1000, '×', 'multiplies the load profile'),
    applianceRatePerHour: n(METER.applianceRatePerHour, 0, 60, '/h', 'appliance switch-ons per hour (Poisson)'),
    applianceKwMin: n(METER.applianceKwMin, 0, 1000, 'kW', 'smallest appliance power'),
    applianceKwMax: n(METER.applianceKwMax, 0, 1000, 'kW', 'largest appliance power (seeded uniform between min and max)'),
    applianceMinutesMin: n(METER.applianceMinutesMin, 0, 1440, 'min', 'shortest appliance run'),
    applianceMinutesMax: n(METER.applianceMinutesMax, 0, 1440, 'min', 'longest appliance run'),
  },
  check: (p) => [
    ...atLeast(p.applianceKwMax >= p.applianceKwMin, 'applianceKwMax', `expected at least applianceKwMin (${p.applianceKwMin} kW); found ${p.applianceKwMax}`),
    ...atLeast(p.applianceMinutesMax >= p.applianceMinutesMin, 'applianceMinutesMax', `expected at least applianceMinutesMin (${p.applianceMinutesMin} min); found ${p.applianceMinutesMax}`),
  ],
  inputs: {},
  outputs: {
    powerKw: numberOut('kW', 'instantaneous power', (s) => s.powerKw),
    energyKwh: numberOut('kWh', 'cumulative energy', (s) => s.energyKwh),
    appliances: numberOut('count', 'appliance switch-ons so far', (s) => s.appliances),
  },
  init: (p, _in, _dev, rng) => initMeter(p, rng),
  step: (s, p, _in, _dev, now, dt, rng) => stepMeter(s, p, now, dt, rng),
});

export const co2 = defineKind<Co2Params, Co2State>({
  kind: 'co2',
  description: 'indoor CO2 of a ventilated room occupied on an office schedule (weekdays 08–18 UTC)',
  params: {
    volumeM3: n(CO2.volumeM3, 1, 1_000_000, 'm³', 'room volume'),
    airChangesPerHour: n(CO2.airChangesPerHour, 0.01, 100, '/h', 'ventilation, air changes per hour'),
    outdoorPpm: n(CO2.outdoorPpm, 0, 5000, 'ppm', 'outdoor CO2'),
    emissionLPerHourPerPerson: n(CO2.emissionLPerHourPerPerson, 0, 100, 'L/h', 'CO2 emitted per person (sedentary adult ≈ 18)'),
    capacityPeople: int(CO2.capacityPeople, 0, 100_000, 'people', 'people at full occupancy'),
    weekendFactor: n(CO2.weekendFactor, 0, 1, '', 'weekend occupancy as a fraction of a weekday'),
    occupancyNoise: n(CO2.occupancyNoise, 0, 2, '', 'relative noise of the head count, drawn every 15 minutes'),
  },
  inputs: {},
  outputs: {
    ppm: numberOut('ppm', 'CO2 concentration', (s) => s.ppm),
    occupants: numberOut('people', 'head count in the current 15-minute slot', (s) => s.occupants),
  },
  init: (p, _in, _dev, rng) => initCo2(p, rng),
  step: (s, p, _in, _dev, now, dt, rng) => stepCo2(s, p, now, dt, rng),
});

export const soil = defineKind<SoilParams, SoilState>({
  kind: 'soil',
  description: 'root-zone soil moisture: daytime evapotranspiration, irrigation and rain soaking in, drainage above field capacity',
  params: {
    wiltingPointPercent: n(SOIL.wiltingPointPercent, 1, 40, '%VWC', 'wilting point'),
    fieldCapacityPercent: n(SOIL.fieldCapacityPercent, 5, 55, '%VWC', 'field capacity'),
    saturationPercent: n(SOIL.saturationPercent, 10, 70, '%VWC', 'saturation (porosity)'),
    rootDepthMm: n(SOIL.rootDepthMm, 10, 3000, 'mm', 'root-zone depth'),
    etMmPerDay: n(SOIL.etMmPerDay, 0, 20, 'mm/day', 'potential evapotranspiration (half-sine over 06–18 UTC)'),
    drainageHours: n(SOIL.drainageHours, 0.1, 1000, 'h', 'drainage time constant above field capacity'),
    infiltrationMinutes: n(SOIL.infiltrationMinutes, 0, 1440, 'min', 'infiltration lag of surface water'),
    irrigationHour: int(SOIL.irrigationHour, -1, 23, 'h UTC', 'hour of the daily irrigation; -1 = none'),
    irrigationThresholdPercent: n(SOIL.irrigationThresholdPercent, 0, 70, '%VWC', 'irrigate when moisture falls below this; 0 = never'),
    minIntervalHours: n(SOIL.minIntervalHours, 0, 1000, 'h', 'least time between threshold irrigations'),
    irrigationMm: n(SOIL.irrigationMm, 0, 500, 'mm', 'water per irrigation'),
    rainPerDay: n(SOIL.rainPerDay, 0, 50, '/day', 'rain events per day (Poisson)'),
    rainMeanMm: n(SOIL.rainMeanMm, 0, 500, 'mm', 'mean rain depth per event (exponential)'),
  },
  check: (p) => [
    ...atLeast(p.fieldCapacityPercent > p.wiltingPointPercent, 'fieldCapacityPercent', `expected more than wiltingPointPercent (${p.wiltingPointPercent} %VWC); found ${p.fieldCapacityPercent}`),
    ...atLeast(p.saturationPercent > p.fieldCapacityPercent, 'saturationPercent', `expected more than fieldCapacityPercent (${p.fieldCapacityPercent} %VWC); found ${p.saturationPercent}`),
  ],
  inputs: {},
  outputs: {
    moisturePercent: numberOut('%VWC', 'volumetric water content', (s) => s.moisturePercent),
    pendingMm: numberOut('mm', 'surface water not yet soaked in', (s) => s.pendingMm),
    irrigations: numberOut('count', 'irrigations so far', (s) => s.irrigations),
    rainEvents: numberOut('count', 'rain events so far', (s) => s.rainEvents),
  },
  init: (p, _in, _dev, rng) => initSoil(p, rng),
  step: (s, p, _in, _dev, now, dt, rng) => stepSoil(s, p, now, dt, rng),
});

export const PHYSICS_KINDS: readonly AnyBlockKind[] = [thermal, humidity, pressure, vibration, gps, battery, meter, co2, soil];
