/** Generic signal blocks: a value in the unit the definition names (`unit: lx`), no physics behind it. */
import { ouStep } from '../models/common.js';
import { dailySinusoid, MINUTE_MS } from '../physics/util.js';
import { type AnyBlockKind, defineKind, numberOut } from './kind.js';
import { n } from './params.js';

interface Signal {
  value: number;
}

const BIG = 1e9;

export const constant = defineKind<{ value: number }, Signal>({
  kind: 'constant',
  description: 'a fixed value (a supply voltage, a constant load, a setpoint)',
  params: { value: n(0, -BIG, BIG, '', 'the value, in the block unit') },
  hasUnit: true,
  inputs: {},
  outputs: { value: numberOut(null, 'the constant value', (s) => s.value) },
  init: (p) => ({ value: p.value }),
  step() {},
});

interface DailyParams {
  mean: number;
  amplitude: number;
  peakHour: number;
}

export const daily = defineKind<DailyParams, Signal>({
  kind: 'daily',
  description: 'a daily sinusoid: mean + amplitude · cos(2π (hour − peakHour) / 24)',
  params: {
    mean: n(0, -BIG, BIG, '', 'daily mean, in the block unit'),
    amplitude: n(1, 0, BIG, '', 'half the peak-to-trough swing, in the block unit'),
    peakHour: n(12, 0, 24, 'h UTC', 'hour of day of the maximum'),
  },
  hasUnit: true,
  inputs: {},
  outputs: { value: numberOut(null, 'the daily signal', (s) => s.value) },
  init: (p) => ({ value: p.mean }), // init has no clock: the mean until the first step
  step(s, p, _in, _dev, now) {
    s.value = dailySinusoid(now, p.mean, p.amplitude, p.peakHour);
  },
});

interface WalkParams {
  mean: number;
  sd: number;
  tauMinutes: number;
}

interface Walk extends Signal {
  /** Deviation from the mean. */
  x: number;
}

export const randomWalk = defineKind<WalkParams, Walk>({
  kind: 'random-walk',
  description: 'a mean-reverting random walk (Ornstein–Uhlenbeck): wanders around the mean with standard deviation sd',
  params: {
    mean: n(0, -BIG, BIG, '', 'long-run mean, in the block unit'),
    sd: n(1, 0, BIG, '', 'stationary standard deviation, in the block unit'),
    tauMinutes: n(60, 0, 10_000_000, 'min', 'correlation time; 0 = white noise'),
  },
  hasUnit: true,
  inputs: {},
  outputs: { value: numberOut(null, 'the random walk', (s) => s.value) },
  init(p, _in, _dev, rng) {
    const x = p.sd > 0 ? rng.normal(0, p.sd) : 0; // start in the stationary distribution
    return { x, value: p.mean + x };
  },
  step(s, p, _in, _dev, _now, dt, rng) {
    s.x = ouStep(s.x, p.sd, p.tauMinutes * MINUTE_MS, dt, rng);
    s.value = p.mean + s.x;
  },
});

export const SIGNAL_KINDS: readonly AnyBlockKind[] = [constant, daily, randomWalk];
