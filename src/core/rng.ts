import seedrandom from 'seedrandom';

/** A seeded random stream. Device code receives one; it never calls Math.random(). */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  uniform(min: number, max: number): number;
  /** Integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
  /** Normal (Gaussian) sample. */
  normal(mean: number, stdDev: number): number;
}

/**
 * A deterministic stream named by its parts, e.g. createRng(seed, 'device', fleetId, index, 'schedule').
 * Alea: fast, small state, and the same sequence on every platform.
 */
export function createRng(...parts: ReadonlyArray<string | number>): Rng {
  const prng = seedrandom.alea(parts.join('\u001f'));
  let spare: number | undefined;
  const next = (): number => prng();
  return {
    next,
    uniform: (min, max) => min + (max - min) * next(),
    int: (maxExclusive) => Math.floor(next() * maxExclusive),
    normal(mean, stdDev) {
      if (spare !== undefined) {
        const s = spare;
        spare = undefined;
        return mean + stdDev * s;
      }
      // Marsaglia polar method: two independent normals per accepted pair.
      let u: number, v: number, q: number;
      do {
        u = 2 * next() - 1;
        v = 2 * next() - 1;
        q = u * u + v * v;
      } while (q >= 1 || q === 0);
      const f = Math.sqrt((-2 * Math.log(q)) / q);
      spare = v * f;
      return mean + stdDev * u * f;
    },
  };
}
