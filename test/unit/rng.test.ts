import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';

// fleetsim's Alea is its own class for speed; it must stay the exact sequence of the reference implementation, or
// every seed would replay different devices.
describe('createRng', () => {
  it('draws exactly what seedrandom.alea draws for the same seed', () => {
    for (const parts of [['1'], ['42', 'model', 'rooms', 7], ['seed with spaces', 'schedule', 'f', 123_456], ['', 0]] as const) {
      const ours = createRng(...parts);
      const reference = seedrandom.alea(parts.join('\u001f'));
      for (let i = 0; i < 10_000; i++) expect(ours.next()).toBe(reference());
    }
  });

  it('uniform, int and normal are the documented transforms of next()', () => {
    const a = createRng('t');
    const b = seedrandom.alea('t');
    expect(a.uniform(-2, 3)).toBe(-2 + 5 * b());
    expect(a.int(10)).toBe(Math.floor(b() * 10));
    const n = a.normal(5, 2);
    expect(Number.isFinite(n)).toBe(true);
  });
});
