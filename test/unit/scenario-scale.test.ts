import { describe, expect, it } from 'vitest';
import { arrivalOffsetMs, loadScenarioFile, scalePlan, type PhasePlan } from '../../src/scenario/index.js';

const plan = await loadScenarioFile('test/fixtures/scenarios/valid/full.yaml');

function byKind<K extends PhasePlan['kind']>(phases: readonly PhasePlan[], kind: K): Extract<PhasePlan, { kind: K }> {
  const p = phases.find((x) => x.kind === kind);
  if (p === undefined) throw new Error(`no ${kind} phase`);
  return p as Extract<PhasePlan, { kind: K }>;
}

describe('scalePlan (--duration)', () => {
  it('fits the run into the new total, scaling every phase time by the same factor', () => {
    const total = plan.totalDurationMs / 2;
    const scaled = scalePlan(plan, total);
    expect(scaled.totalDurationMs).toBeCloseTo(total, 6);
    scaled.phases.forEach((p, i) => expect(p.durationMs).toBeCloseTo((plan.phases[i] as PhasePlan).durationMs / 2, 6));
    let start = 0;
    for (const p of scaled.phases) {
      expect(p.startMs).toBe(start);
      start += p.durationMs;
    }
    expect(byKind(scaled.phases, 'disconnect-storm').spreadMs).toBe(500);
    expect(byKind(scaled.phases, 'drain').timeoutMs).toBe(1000);
  });

  it('speeds up arrivals by the inverse factor so the same devices arrive within the shorter span', () => {
    const scaled = scalePlan(plan, plan.totalDurationMs / 4);
    const before = byKind(plan.phases, 'connect');
    const after = byKind(scaled.phases, 'connect');
    expect(after.devices).toBe(before.devices);
    expect(after.fromPerS).toBe(before.fromPerS * 4);
    expect(after.toPerS).toBe(before.toPerS * 4);
    expect(after.settleMs).toBe(before.settleMs / 4);
    expect(after.arrivalSpanMs).toBeCloseTo(before.arrivalSpanMs / 4, 9);
    // The last arrival still lands at the end of the (scaled) span.
    expect(arrivalOffsetMs(after.devices - 1, after.devices, after.fromPerS, after.toPerS)).toBeCloseTo(after.arrivalSpanMs, 6);
  });

  it('leaves telemetry intervals, fleets and thresholds alone, and returns a new frozen plan', () => {
    const scaled = scalePlan(plan, plan.totalDurationMs * 3);
    expect(scaled.fleets).toEqual(plan.fleets);
    expect(scaled.thresholds).toEqual(plan.thresholds);
    expect(scaled).not.toBe(plan);
    expect(Object.isFrozen(scaled)).toBe(true);
    expect(Object.isFrozen(scaled.phases[0])).toBe(true);
    expect(plan.phases[0]?.durationMs).toBeLessThan(scaled.phases[0]?.durationMs as number);
  });

  it('refuses a duration that is not above 0', () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => scalePlan(plan, bad)).toThrow(expect.objectContaining({ code: 'FLEETSIM_E_USAGE' }));
    }
  });
});
