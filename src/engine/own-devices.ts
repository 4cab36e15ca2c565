import { compileTemplate } from '../core/template.js';
import type { RunPlan } from '../scenario/plan.js';

/**
 * The ids of the devices with global index in [first, end), as the workers name them (src/worker/fleet.ts): what a
 * `--shard i/N` run's observer counts, leaving other shards' telemetry on the same broker to them.
 */
export function deviceIds(plan: RunPlan, range: { readonly first: number; readonly end: number }): string[] {
  const out: string[] = [];
  for (const f of plan.fleets) {
    const first = Math.max(range.first, f.firstIndex);
    const end = Math.min(range.end, f.firstIndex + f.count);
    if (first >= end) continue;
    const idOf = compileTemplate(f.idPattern, ['fleet', 'index']);
    for (let g = first; g < end; g++) out.push(idOf({ fleet: f.id, index: g - f.firstIndex }));
  }
  return out;
}
