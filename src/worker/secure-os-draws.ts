/**
 * The seeded choices of secure-OS fleets (issue 5), pure and global: which devices are compromised and how, which
 * rollout wave a device is in and when it starts, and which devices a fault hits. Each depends only on the seed, the
 * fleet, the phase and the device index, so every shard (and every replay) computes the same, whatever the layout.
 *
 * Shares are exact, not expected values: the devices of a fleet are ranked by a seeded draw per device, and the first
 * round(share × count) in that order are chosen (2 % of 200 devices is 4 devices, every time).
 */
import { createRng } from '../core/rng.js';
import type { CompromisePlan, FirmwareRolloutPhasePlan, FleetPlan, RunPlan } from '../scenario/plan.js';

export type CompromiseKind = 'tampered' | 'debug' | 'rollback' | 'cloned';
export const COMPROMISE_KINDS: readonly CompromiseKind[] = ['tampered', 'debug', 'rollback', 'cloned'];

/** Fleet-local indices in the order of a seeded draw per device (ties cannot matter: draws are 53-bit). */
function ranked(seed: string, stream: string, key: string, fleet: FleetPlan): number[] {
  const draws = new Float64Array(fleet.count);
  for (let i = 0; i < fleet.count; i++) draws[i] = createRng(seed, stream, key, fleet.id, i).next();
  return Array.from({ length: fleet.count }, (_, i) => i).sort((a, b) => (draws[a] as number) - (draws[b] as number));
}

/**
 * Fleet-local index → compromise kind, for the devices that have one. Kinds take consecutive runs of the ranking in
 * the order tampered, debug, rollback, cloned, each round(share × count) long.
 */
export function compromisedDevices(seed: string, fleet: FleetPlan, c: CompromisePlan): Map<number, CompromiseKind> {
  const out = new Map<number, CompromiseKind>();
  if (c.tampered + c.debug + c.rollback + c.cloned === 0) return out;
  const order = ranked(seed, 'compromise', '', fleet);
  let at = 0;
  for (const kind of COMPROMISE_KINDS) {
    const n = Math.round(c[kind] * fleet.count);
    for (const i of order.slice(at, at + n)) out.set(i, kind);
    at += n;
  }
  return out;
}

/** The index of the device whose identity a cloned device presents: its fleet neighbour (the next index, wrapping). */
export function cloneSource(localIndex: number, count: number): number {
  return count <= 1 ? localIndex : (localIndex + 1) % count;
}

/** One device's part in a rollout: its wave, its intended start (offset from the phase start), and its faults. */
export interface RolloutTurn {
  readonly wave: number;
  readonly offsetMs: number;
  readonly powerLoss: boolean;
  readonly corruptDownload: boolean;
  readonly healthCheckFailure: boolean;
}

/**
 * Global device index → its turn in a firmware-rollout phase. Wave k takes ranks [round(w[k−1]·n), round(w[k]·n)) of
 * the fleet's seeded ranking (waves are cumulative shares); its devices start at k × waveInterval + a seeded offset in
 * [0, spread). Each fault picks round(rate × n) of the wave-selected devices by a ranking of its own.
 */
export function rolloutTurns(plan: RunPlan, phase: FirmwareRolloutPhasePlan): Map<number, RolloutTurn> {
  const out = new Map<number, RolloutTurn>();
  for (const f of plan.fleets) {
    if (!phase.fleets.includes(f.id)) continue;
    const order = ranked(plan.seed, 'rollout', phase.name, f);
    const selected = new Map<number, { wave: number; offsetMs: number }>();
    let from = 0;
    phase.waves.forEach((w, k) => {
      const to = Math.round(w * f.count);
      for (const i of order.slice(from, to)) {
        const offset = phase.spreadMs > 0 ? createRng(plan.seed, 'rollout-offset', phase.name, f.id, i).uniform(0, phase.spreadMs) : 0;
        selected.set(i, { wave: k, offsetMs: k * phase.waveIntervalMs + offset });
      }
      from = Math.max(from, to);
    });
    const faulty = (fault: keyof FirmwareRolloutPhasePlan['faults']): Set<number> => {
      const n = Math.round(phase.faults[fault] * selected.size);
      if (n === 0) return new Set();
      return new Set(ranked(plan.seed, `fault-${fault}`, phase.name, f).filter((i) => selected.has(i)).slice(0, n));
    };
    const power = faulty('powerLoss');
    const corrupt = faulty('corruptDownload');
    const health = faulty('healthCheckFailure');
    for (const [i, s] of selected) {
      out.set(f.firstIndex + i, { ...s, powerLoss: power.has(i), corruptDownload: corrupt.has(i), healthCheckFailure: health.has(i) });
    }
  }
  return out;
}
