import { z } from '../../core/zod.js';
import type { DeviceModel } from '../model.js';
import { DEFAULTS as GPS, type GpsParams, type GpsState, initGps, stepGps } from '../physics/gps.js';
import { notFound, num, ok, perParams, round } from './common.js';

const latLonError = (iss: { input?: unknown }): string =>
  `expected [lat, lon] in degrees, lat -90 to 90, lon -180 to 180; found ${JSON.stringify(iss.input)}`;
const lat = z.number({ error: latLonError }).min(-90, { error: latLonError }).max(90, { error: latLonError });
const lon = z.number({ error: latLonError }).min(-180, { error: latLonError }).max(180, { error: latLonError });
const routeError = (iss: { input?: unknown }): string =>
  `expected a list of at least 2 [lat, lon] waypoints in degrees; found ${Array.isArray(iss.input) ? `${iss.input.length} waypoint(s)` : JSON.stringify(iss.input)}`;

const params = z
  .object({
    route: z
      .array(z.tuple([lat, lon], { error: latLonError }), { error: routeError })
      .min(2, { error: routeError })
      .max(10_000)
      .default(GPS.route.map(([a, b]) => [a, b] as [number, number]))
      .describe('closed route of waypoints, [lat, lon] degrees (lat -90–90, lon -180–180); the last connects back to the first; default: a 4.9 km loop in Berlin-Tiergarten'),
    speedKmh: num(GPS.cruiseMs * 3.6, 1, 200, 'km/h', 'cruise speed between waypoints'),
    accelMs2: num(GPS.accelMs2, 0.1, 10, 'm/s²', 'acceleration and braking'),
    stopMinS: num(GPS.stopMinS, 0, 86_400, 's', 'shortest stop at each waypoint'),
    stopMaxS: num(GPS.stopMaxS, 0, 86_400, 's', 'longest stop at each waypoint (seeded uniform between min and max)'),
    noiseM: num(GPS.noiseM, 0, 100, 'm', 'horizontal GPS noise, standard deviation per axis'),
    geofence: z
      .object({
        lat: num(GPS.geofenceLat, -90, 90, '°', 'geofence centre latitude'),
        lon: num(GPS.geofenceLon, -180, 180, '°', 'geofence centre longitude'),
        radiusM: num(GPS.geofenceRadiusM, 0, 1_000_000, 'm', 'geofence radius; 0 = no geofence'),
      })
      .strict()
      .default({ lat: GPS.geofenceLat, lon: GPS.geofenceLon, radiusM: GPS.geofenceRadiusM })
      .describe('circular geofence (entries and exits use the true position); default: 150 m around the first default waypoint'),
  })
  .strict()
  .refine((p) => p.stopMaxS >= p.stopMinS, { message: 'stopMaxS: expected at least stopMinS, s', path: ['stopMaxS'] });
type Params = z.infer<typeof params>;

interface State {
  p: GpsParams;
  g: GpsState;
}

const gpsOf = perParams(
  (p: Params): GpsParams => ({
    route: p.route,
    cruiseMs: p.speedKmh / 3.6,
    accelMs2: p.accelMs2,
    stopMinS: p.stopMinS,
    stopMaxS: p.stopMaxS,
    noiseM: p.noiseM,
    geofenceLat: p.geofence.lat,
    geofenceLon: p.geofence.lon,
    geofenceRadiusM: p.geofence.radiusM,
  }),
);

/**
 * A vehicle tracker (gps block) driving a closed route: accelerate, cruise, brake to a seeded stop at each waypoint;
 * positions with GPS noise; a circular geofence whose entries and exits are counted on the true position.
 */
export const assetTracker: DeviceModel<Params, State> = {
  name: 'asset-tracker',
  description: 'GPS asset tracker on a closed route: position, speed, heading, geofence entries and exits',
  params,
  channels: {
    lat: { unit: '°', description: 'latitude (WGS 84, 1e-6°)' },
    lon: { unit: '°', description: 'longitude (WGS 84, 1e-6°)' },
    speedKmh: { unit: 'km/h', description: 'ground speed (0.1 km/h)' },
    headingDeg: { unit: '°', description: 'course over ground, clockwise from north' },
    insideGeofence: { unit: 'flag', description: 'inside the geofence' },
    geofenceEntries: { unit: 'count', description: 'geofence entries since start' },
    geofenceExits: { unit: 'count', description: 'geofence exits since start' },
  },
  init({ params: p, rng }) {
    const gp = gpsOf(p);
    return { p: gp, g: initGps(gp, rng) };
  },
  step(s, nowMs, dtMs, rng) {
    stepGps(s.g, s.p, nowMs, dtMs, rng);
    return s;
  },
  read: ({ g }) => ({
    lat: round(g.lat, 6),
    lon: round(g.lon, 6),
    speedKmh: round(g.speedMs * 3.6, 1),
    headingDeg: round(g.headingDeg, 0) % 360,
    insideGeofence: g.insideGeofence,
    geofenceEntries: g.geofenceEntries,
    geofenceExits: g.geofenceExits,
  }),
  onCommand(s, command) {
    if (command.name !== 'getDiagnostics') return notFound(command);
    return ok({ segment: s.g.segment, odometerKm: round(s.g.odometerM / 1000, 3), stopLeftS: round(s.g.stopLeftS, 1) });
  },
};
