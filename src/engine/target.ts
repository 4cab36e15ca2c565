import { startEmbeddedHub } from '../hub/embedded.js';
import type { TargetPlan } from '../scenario/plan.js';

export interface Target {
  readonly url: string;
  readonly embedded: boolean;
  stop(): Promise<void>;
}

/** The broker a run drives: fleetsim's embedded hub (started here, stopped after the run) or an external URL. */
export async function startTarget(plan: TargetPlan): Promise<Target> {
  if (plan.kind === 'url') return { url: plan.url, embedded: false, stop: async () => {} };
  const hub = await startEmbeddedHub();
  return { url: hub.url, embedded: true, stop: () => hub.stop() };
}
