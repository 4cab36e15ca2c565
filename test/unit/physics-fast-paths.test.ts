/**
 * The hot loops of virtual time use precomputed tables and memos in place of the plain formulas; each must give the
 * very same doubles (Object.is), or seeded runs would change.
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import { dailyCosByMinute, dailySinusoid, minuteOfDay } from '../../src/devices/physics/util.js';

describe('dailyCosByMinute', () => {
  it('gives dailySinusoid at every minute midpoint bit for bit (any epoch, before 1970 too, signed zeros)', () => {
    const rng = createRng('fast-paths', 'daily');
    let checked = 0;
    for (const peak of [15, 0, -0, 3.7, 23.99]) {
      const cos = dailyCosByMinute(peak);
      for (let k = 0; k < 20_000; k++) {
        const t = rng.uniform(-1e12, 3e12);
        const minute = Math.floor(t / 60_000);
        for (const [mean, amp] of [[20, 2], [-0, 0], [0, -0], [-18.3, 7.77]] as const) {
          const want = dailySinusoid(minute * 60_000 + 30_000, mean, amp, peak);
          const got = mean + amp * (cos[minuteOfDay(minute)] as number);
          if (!Object.is(want, got)) expect.fail(`t=${t} peak=${peak} mean=${mean} amp=${amp}: ${want} vs ${got}`);
          checked++;
        }
      }
    }
    expect(checked).toBe(5 * 20_000 * 4);
  });
});
