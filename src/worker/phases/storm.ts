import { createRng } from '../../core/rng.js';
import type { DisconnectStormPhasePlan } from '../../scenario/plan.js';

/**
 * Whether a device drops in a storm, and when (offset from the phase start). Seeded by run seed, phase and device,
 * so the same devices drop at the same offsets whatever the shard count.
 */
export function stormDropOffsetMs(seed: string, phase: DisconnectStormPhasePlan, deviceIndex: number): number | undefined {
  const rng = createRng(seed, 'storm', phase.index, deviceIndex);
  if (rng.next() >= phase.fraction) return undefined;
  return phase.spreadMs > 0 ? rng.uniform(0, phase.spreadMs) : 0;
}
