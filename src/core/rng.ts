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
  return new Alea(parts.join('\u001f'));
}

const TWO_POW_MINUS_32 = 2.3283064365386963e-10;

/**
 * Baagoe's Alea, exactly as seedrandom.alea computes it (same seeding by Mash, same sequence), as one class with
 * plain fields: one small object per stream instead of a dozen closures, and monomorphic calls in the hot loops.
 */
class Alea implements Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private c = 1;
  /** The second normal of the last polar-method pair (hasSpare: not used yet). */
  private spare = 0;
  private hasSpare = false;

  constructor(seed: string) {
    const mash = new Mash();
    this.s0 = mash.hash(' ');
    this.s1 = mash.hash(' ');
    this.s2 = mash.hash(' ');
    this.s0 -= mash.hash(seed);
    if (this.s0 < 0) this.s0 += 1;
    this.s1 -= mash.hash(seed);
    if (this.s1 < 0) this.s1 += 1;
    this.s2 -= mash.hash(seed);
    if (this.s2 < 0) this.s2 += 1;
  }

  next(): number {
    const t = 2091639 * this.s0 + this.c * TWO_POW_MINUS_32;
    this.s0 = this.s1;
    this.s1 = this.s2;
    this.c = t | 0;
    return (this.s2 = t - this.c);
  }

  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }

  normal(mean: number, stdDev: number): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return mean + stdDev * this.spare;
    }
    // Marsaglia polar method: two independent normals per accepted pair.
    let u: number, v: number, q: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      q = u * u + v * v;
    } while (q >= 1 || q === 0);
    const f = Math.sqrt((-2 * Math.log(q)) / q);
    this.spare = v * f;
    this.hasSpare = true;
    return mean + stdDev * u * f;
  }
}

/** Baagoe's Mash hash as seedrandom's alea seeds with it (state n carries over between calls). */
class Mash {
  private n = 0xefc8249d;

  hash(data: string): number {
    let n = this.n;
    for (let i = 0; i < data.length; i++) {
      n += data.charCodeAt(i);
      let h = 0.02519603282416938 * n;
      n = h >>> 0;
      h -= n;
      h *= n;
      n = h >>> 0;
      h -= n;
      n += h * 0x100000000; // 2^32
    }
    this.n = n;
    return (n >>> 0) * TWO_POW_MINUS_32;
  }
}
