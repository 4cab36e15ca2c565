import { arrivalOffsetMs } from '../../scenario/arrivals.js';
import type { ConnectPhasePlan, RunPlan } from '../../scenario/plan.js';

/** Where a fleet's devices arrive: in which connect phase, and the arrival rank of its first device there. */
export interface ConnectAssignment {
  readonly phase: ConnectPhasePlan;
  readonly rankOffset: number;
}

/**
 * Each fleet connects in the first connect phase that names it; within a phase, devices arrive in global index order
 * (fleets in declaration order), so the k-th arrival is the same device whatever the shard count.
 */
export function connectAssignments(plan: RunPlan): Map<string, ConnectAssignment> {
  const out = new Map<string, ConnectAssignment>();
  for (const phase of plan.phases) {
    if (phase.kind !== 'connect') continue;
    let rank = 0;
    for (const fleet of plan.fleets) {
      if (!phase.fleets.includes(fleet.id) || out.has(fleet.id)) continue;
      out.set(fleet.id, { phase, rankOffset: rank });
      rank += fleet.count;
    }
  }
  return out;
}

/** Intended arrival time of a device (absolute ms), given the run start t0. */
export function arrivalAt(t0: number, a: ConnectAssignment, localIndex: number): number {
  const p = a.phase;
  return t0 + p.startMs + arrivalOffsetMs(a.rankOffset + localIndex, p.devices, p.fromPerS, p.toPerS);
}
