import type { Rng } from '../../core/rng.js';

export const EARTH_RADIUS_M = 6_371_000;
const RAD = Math.PI / 180;

/** Great-circle distance, m (haversine). */
export function haversineM(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = (lat2 - lat1) * RAD;
  const dLon = (lon2 - lon1) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Initial bearing from point 1 to point 2, degrees clockwise from north, [0, 360). */
export function bearingDeg(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const y = Math.sin((lon2 - lon1) * RAD) * Math.cos(lat2 * RAD);
  const x = Math.cos(lat1 * RAD) * Math.sin(lat2 * RAD) - Math.sin(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.cos((lon2 - lon1) * RAD);
  return ((Math.atan2(y, x) / RAD) % 360 + 360) % 360;
}

/** A tracker driving a closed route of waypoints with stops at each, GPS noise, and a circular geofence. */
export interface GpsParams {
  /** Closed route, [lat, lon] degrees; the last waypoint connects back to the first. */
  route: ReadonlyArray<readonly [number, number]>;
  /** Cruise speed, m/s (13.9 = 50 km/h). */
  cruiseMs: number;
  /** Acceleration and braking, m/s². */
  accelMs2: number;
  /** Stop at every waypoint, seeded uniform in [min, max] seconds. */
  stopMinS: number;
  stopMaxS: number;
  /** Horizontal GPS noise, sd per axis, m. */
  noiseM: number;
  /** Geofence centre [lat, lon] degrees and radius m (radius 0 = none); events use the true position. */
  geofenceLat: number;
  geofenceLon: number;
  geofenceRadiusM: number;
}

export const DEFAULTS: GpsParams = {
  route: [
    [52.5145, 13.3501],
    [52.5163, 13.3777],
    [52.5096, 13.376],
    [52.508, 13.355],
  ],
  cruiseMs: 13.9,
  accelMs2: 1.2,
  stopMinS: 20,
  stopMaxS: 120,
  noiseM: 4,
  geofenceLat: 52.5145,
  geofenceLon: 13.3501,
  geofenceRadiusM: 150,
};

export interface GpsState {
  /** Segment from waypoint `segment` to the next. */
  segment: number;
  /** Distance along that segment, m; speed, m/s; stop time left, s. */
  alongM: number;
  speedMs: number;
  stopLeftS: number;
  /** True position, degrees. */
  trueLat: number;
  trueLon: number;
  /** Reported (noisy) position, degrees. */
  lat: number;
  lon: number;
  headingDeg: number;
  odometerM: number;
  insideGeofence: boolean;
  geofenceEntries: number;
  geofenceExits: number;
}

function wp(p: GpsParams, i: number): readonly [number, number] {
  return p.route[((i % p.route.length) + p.route.length) % p.route.length] ?? [0, 0];
}

/** Per-params constants: each segment's ends, length and bearing, and the geofence's bounding box. */
interface Route {
  /** Per segment i: [lat1, lon1, lat2, lon2, lengthM, bearingDeg]. */
  seg: Float64Array;
  /** Half-sizes of a box around the geofence, degrees, outside which a point is surely outside; NaN = always test. */
  latBox: number;
  lonBox: number;
  /**
   * Per segment: 1 when no point of it can be inside the geofence (or there is none), so the geofence test of every
   * piece of a drive along it says "outside": stepGps then places the vehicle once, after its last piece.
   */
  quiet: Uint8Array;
}

const SEG = 6;
const routes = new WeakMap<GpsParams, Route>();
let lastParams: GpsParams | undefined;
let lastRoute: Route | undefined;

/** Segment data are computed by the same functions as before, once per params object (all devices share it). */
function routeOf(p: GpsParams): Route {
  if (p === lastParams && lastRoute !== undefined) return lastRoute;
  let r = routes.get(p);
  if (r === undefined) {
    r = buildRoute(p);
    routes.set(p, r);
  }
  lastParams = p;
  lastRoute = r;
  return r;
}

/** Far beyond any rounding of the interpolation (a few ulp of a degree) and well inside the 1 % margins of the box. */
const QUIET_MARGIN_DEG = 1e-9;

function buildRoute(p: GpsParams): Route {
  const n = p.route.length;
  const seg = new Float64Array(n * SEG);
  for (let i = 0; i < n; i++) {
    const [la1, lo1] = wp(p, i);
    const [la2, lo2] = wp(p, i + 1);
    seg.set([la1, lo1, la2, lo2, haversineM(la1, lo1, la2, lo2), bearingDeg(la1, lo1, la2, lo2)], i * SEG);
  }
  // Conservative box: haversine distance ≥ R·|Δlat|, and ≥ R·cos(lat)·|Δlon| for small angles; 1 % margin.
  const latBox = ((p.geofenceRadiusM / EARTH_RADIUS_M) / RAD) * 1.01;
  const maxLat = Math.abs(p.geofenceLat) + latBox;
  const lonBox = (latBox / Math.cos(maxLat * RAD)) * 1.01;
  const ok = p.geofenceRadiusM <= 100_000 && maxLat < 80 && Math.abs(p.geofenceLon) + lonBox < 180; // small, no pole, no date line
  const quiet = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * SEG;
    const [la1, lo1, la2, lo2] = [seg[o] as number, seg[o + 1] as number, seg[o + 2] as number, seg[o + 3] as number];
    // Every interpolated point lies within the segment's box (to rounding): if that box is outside the geofence's
    // box by a margin, every piece's test takes the "far" branch, i.e. outside.
    const far =
      ok &&
      (Math.min(la1, la2) - p.geofenceLat > latBox + QUIET_MARGIN_DEG ||
        p.geofenceLat - Math.max(la1, la2) > latBox + QUIET_MARGIN_DEG ||
        Math.min(lo1, lo2) - p.geofenceLon > lonBox + QUIET_MARGIN_DEG ||
        p.geofenceLon - Math.max(lo1, lo2) > lonBox + QUIET_MARGIN_DEG);
    quiet[i] = !(p.geofenceRadiusM > 0) || far ? 1 : 0;
  }
  return { seg, latBox: ok ? latBox : NaN, lonBox: ok ? lonBox : NaN, quiet };
}

function place(s: GpsState, p: GpsParams, r: Route, lengthM: number): void {
  const o = s.segment * SEG;
  const la1 = r.seg[o] as number;
  const lo1 = r.seg[o + 1] as number;
  const la2 = r.seg[o + 2] as number;
  const lo2 = r.seg[o + 3] as number;
  const f = lengthM > 0 ? s.alongM / lengthM : 0;
  s.trueLat = la1 + (la2 - la1) * f;
  s.trueLon = lo1 + (lo2 - lo1) * f;
  s.headingDeg = r.seg[o + 5] as number;
  if (p.geofenceRadiusM > 0) {
    // Outside the box the distance surely exceeds the radius (skip the trig); inside it, the exact test as always.
    const far = Math.abs(s.trueLat - p.geofenceLat) > r.latBox || Math.abs(s.trueLon - p.geofenceLon) > r.lonBox;
    const inside = !far && haversineM(s.trueLat, s.trueLon, p.geofenceLat, p.geofenceLon) <= p.geofenceRadiusM;
    if (inside && !s.insideGeofence) s.geofenceEntries++;
    if (!inside && s.insideGeofence) s.geofenceExits++;
    s.insideGeofence = inside;
  }
}

function segmentLength(r: Route, i: number): number {
  return r.seg[i * SEG + 4] as number;
}

export function initGps(p: GpsParams, rng: Rng): GpsState {
  const s: GpsState = {
    segment: rng.int(p.route.length),
    alongM: 0,
    speedMs: 0,
    stopLeftS: rng.uniform(p.stopMinS, p.stopMaxS),
    trueLat: 0,
    trueLon: 0,
    lat: 0,
    lon: 0,
    headingDeg: 0,
    odometerM: 0,
    insideGeofence: false,
    geofenceEntries: 0,
    geofenceExits: 0,
  };
  const r = routeOf(p);
  place(s, p, r, segmentLength(r, s.segment));
  s.geofenceEntries = 0; // starting inside is not an entry
  s.lat = s.trueLat;
  s.lon = s.trueLon;
  return s;
}

/** cos of the last latitude seen by the noise step (a stopped vehicle keeps its latitude): same value, one cos less. */
let cosLatOf = NaN;
let cosLat = NaN;

/**
 * Kinematics solved exactly per phase (stop, accelerate, cruise, brake to 0 at the waypoint); position advances in
 * pieces of at most a quarter of the geofence radius so no crossing is missed, whatever dt is. On a segment that
 * cannot touch the geofence (Route.quiet) the pieces are the same but the vehicle is placed once, after the last one:
 * every piece's geofence test would say "outside", as the waypoint that started the segment already did.
 */
export function stepGps(s: GpsState, p: GpsParams, _nowMs: number, dtMs: number, rng: Rng): void {
  let rem = dtMs > 0 ? dtMs / 1000 : 0;
  const a = p.accelMs2;
  const capS = (p.geofenceRadiusM > 0 ? Math.min(50, p.geofenceRadiusM / 4) : 50) / p.cruiseMs;
  const r = routeOf(p);
  let L = segmentLength(r, s.segment);
  let quiet = r.quiet[s.segment] === 1;
  let unplaced = false;
  while (rem > 0) {
    if (s.stopLeftS > 0) {
      const d = Math.min(rem, s.stopLeftS);
      s.stopLeftS -= d;
      rem -= d;
      continue;
    }
    const D = L - s.alongM;
    const v = s.speedMs;
    if (D <= 1e-3) {
      // A quiet segment's last piece needs no placing: its test says outside, as insideGeofence already does.
      s.segment = (s.segment + 1) % p.route.length;
      s.alongM = 0;
      s.speedMs = 0;
      s.stopLeftS = p.stopMaxS > 0 ? rng.uniform(p.stopMinS, p.stopMaxS) : 0;
      L = segmentLength(r, s.segment);
      quiet = r.quiet[s.segment] === 1;
      unplaced = false;
      place(s, p, r, L);
      continue;
    }
    const brake = (v * v) / (2 * a);
    let moved: number;
    let tt: number;
    if (D <= brake + 1e-3) {
      const dec = (v * v) / (2 * D);
      const tStop = (2 * D) / v;
      tt = Math.min(rem, tStop, capS);
      if (tt === tStop) {
        moved = D;
        s.speedMs = 0;
      } else {
        moved = v * tt - 0.5 * dec * tt * tt;
        s.speedMs = v - dec * tt;
      }
    } else if (v < p.cruiseMs) {
      const tc = (p.cruiseMs - v) / a;
      const tb = (-v + Math.sqrt((v * v) / 2 + a * D)) / a;
      tt = Math.min(rem, tc, tb, capS);
      moved = v * tt + 0.5 * a * tt * tt;
      s.speedMs = tt === tc ? p.cruiseMs : v + a * tt;
    } else {
      tt = Math.min(rem, (D - brake) / v, capS);
      moved = v * tt;
    }
    s.alongM = Math.min(L, s.alongM + moved);
    s.odometerM += moved;
    rem -= tt;
    if (quiet) unplaced = true;
    else place(s, p, r, L);
  }
  if (unplaced) place(s, p, r, L);
  // Noise: metres north/east to degrees (a degree of longitude shrinks with cos(latitude)).
  const n = p.noiseM > 0 ? rng.normal(0, p.noiseM) : 0;
  const e = p.noiseM > 0 ? rng.normal(0, p.noiseM) : 0;
  if (s.trueLat !== cosLatOf) {
    cosLatOf = s.trueLat;
    cosLat = Math.cos(s.trueLat * RAD);
  }
  s.lat = s.trueLat + (n / EARTH_RADIUS_M) / RAD;
  s.lon = s.trueLon + (e / (EARTH_RADIUS_M * cosLat)) / RAD;
}
