import type { RunPlan } from '../scenario/plan.js';
import type { ShardRange } from '../scenario/shard.js';
import type { DeviceRuntime } from './device.js';
import { runVirtualShard } from './virtual.js';

/**
 * Run the shard's first device of each fleet once in virtual time, output discarded, before the real run (virtual or
 * live) builds its devices. Models start some fields as small integers (0) that later hold fractions; when that first happens mid-run, V8 deprecates
 * the state's hidden class and every device already built migrates on first touch, which keeps the hot functions
 * from being optimised (3× slower). After the warm-up the classes are settled before the fleet is built. Streams
 * are per device and recreated by the real run, so this changes no value.
 *
 * The warm-up devices are returned and must stay referenced until the fleet is built: V8 holds map transitions
 * weakly, so a full GC with no live object left on the settled hidden classes drops them, the fleet is built on the
 * old (small-integer) classes again, and every device migrates on first touch after all. Each migration is an inline
 * cache change that restarts V8's count toward optimising the hot function (stepThermal was never optimised: a
 * measured 2-3× on the cold models).
 */
export function warmUp(plan: RunPlan, shard: ShardRange, models: Parameters<typeof runVirtualShard>[2]): DeviceRuntime[] {
  const kept: DeviceRuntime[] = [];
  for (const { plan: f } of models) {
    const first = Math.max(shard.first, f.firstIndex);
    if (first < Math.min(shard.end, f.firstIndex + f.count)) {
      runVirtualShard(plan, { ...shard, first, end: first + 1 }, models, () => {}, undefined, (built) => kept.push(...built));
    }
  }
  return kept;
}
