import { FleetsimError } from '../core/errors.js';
import { deepFreeze } from './freeze.js';
import type { PhasePlan, RunPlan } from './plan.js';

/**
 * Stretch or shrink a plan to last `totalMs` (the --duration flag). Every phase duration, arrival span, settle,
 * spread and drain timeout is multiplied by f = totalMs / plan.totalDurationMs; connect rates are divided by f so the
 * same devices still arrive. Telemetry intervals are not scaled: a shorter run sends fewer messages, not faster ones.
 */
export function scalePlan(plan: RunPlan, totalMs: number): RunPlan {
  if (!Number.isFinite(totalMs) || totalMs <= 0) {
    throw new FleetsimError('FLEETSIM_E_USAGE', `--duration: expected a duration above 0; found ${totalMs}ms`);
  }
  if (plan.totalDurationMs <= 0) {
    throw new FleetsimError('FLEETSIM_E_USAGE', `--duration: the phases of ${plan.name} last 0s, so there is nothing to scale`);
  }
  const f = totalMs / plan.totalDurationMs;
  let startMs = 0;
  const phases = plan.phases.map((p): PhasePlan => {
    const scaled = scalePhase(p, f, startMs);
    startMs += scaled.durationMs;
    return scaled;
  });
  return deepFreeze({ ...plan, phases, totalDurationMs: startMs });
}

function scalePhase(p: PhasePlan, f: number, startMs: number): PhasePlan {
  const durationMs = p.durationMs * f;
  switch (p.kind) {
    case 'connect': {
      const arrivalSpanMs = p.arrivalSpanMs * f;
      const settleMs = p.settleMs * f;
      return { ...p, startMs, durationMs: arrivalSpanMs + settleMs, arrivalSpanMs, settleMs, fromPerS: p.fromPerS / f, toPerS: p.toPerS / f };
    }
    case 'disconnect-storm':
      return { ...p, startMs, durationMs, spreadMs: p.spreadMs * f };
    case 'drain':
      return { ...p, startMs, durationMs, timeoutMs: durationMs };
    default:
      return { ...p, startMs, durationMs };
  }
}
