import { createRng } from '../../core/rng.js';
import type { FileUploadPhasePlan, RunPlan } from '../../scenario/plan.js';

/**
 * Which devices upload in a file-upload phase, and when (offset from the phase start): each device of the phase's
 * fleets is selected with probability `fraction` by its own seeded draw; the selected ones go in draw order, the k-th
 * at k / rate, while that is inside the phase. Global, so every shard computes the same schedule and keeps its own.
 * Returns global device index → offset ms.
 */
export function uploadSchedule(plan: RunPlan, phase: FileUploadPhasePlan): Map<number, number> {
  const picked: Array<[number, number]> = [];
  for (const f of plan.fleets) {
    if (!phase.fleets.includes(f.id) || f.transport.dialect !== 'iothub') continue;
    for (let index = 0; index < f.count; index++) {
      const u = createRng(plan.seed, 'upload', phase.name, f.id, index).next();
      if (u < phase.fraction) picked.push([u, f.firstIndex + index]);
    }
  }
  picked.sort((a, b) => a[0] - b[0]);
  const out = new Map<number, number>();
  picked.forEach(([, g], k) => {
    const offset = (k * 1000) / phase.ratePerS;
    if (offset < phase.durationMs) out.set(g, offset);
  });
  return out;
}

/** The file a device uploads: `size` bytes, deterministic (a repeating pattern from its index), so runs compare. */
export function uploadBody(sizeBytes: number, deviceIndex: number): Uint8Array {
  return new Uint8Array(sizeBytes).fill(deviceIndex % 251);
}
