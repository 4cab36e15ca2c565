import type { Rng } from '../../core/rng.js';
import type { McuPlan } from '../../scenario/plan.js';
import { nextEventMs } from '../physics/util.js';

/**
 * The MCU of one device: its crystal (clock drift, SNTP resyncs) and its watchdog (seeded resets). Pure arithmetic on
 * a seeded stream of its own, so live and virtual runs see the same clock and the same resets at the same model
 * times; the runtime acts on them (reboot, boot time, skipped readings).
 */
export class Mcu {
  /** This device's clock error, ppm (fast > 0), seeded within ± the fleet's bound. */
  readonly driftPpm: number;
  /** Offset of this device's resync grid, ms (devices do not all resync at once). */
  private readonly syncPhaseMs: number;

  constructor(
    private readonly plan: McuPlan,
    private readonly rng: Rng,
    /** Model time (epoch ms) of the run start, when every device clock is right. */
    private readonly startTimeMs: number,
  ) {
    this.driftPpm = plan.clockDriftPpm > 0 ? rng.uniform(-plan.clockDriftPpm, plan.clockDriftPpm) : 0;
    this.syncPhaseMs = plan.clockDriftPpm > 0 && plan.clockSyncMs > 0 ? rng.uniform(0, plan.clockSyncMs) : 0;
  }

  /** Whether readings carry deviceTime. */
  get hasClock(): boolean {
    return this.plan.clockDriftPpm > 0;
  }

  /**
   * The device clock at model time `modelMs`, epoch ms rounded to the millisecond: true time plus drift × time since
   * the last resync (the run start when it never resyncs).
   */
  deviceTime(modelMs: number): number {
    const sync = this.plan.clockSyncMs;
    let since = modelMs - this.startTimeMs;
    if (sync > 0 && since >= this.syncPhaseMs) since = (since - this.syncPhaseMs) % sync;
    return Math.round(modelMs + since * this.driftPpm * 1e-6);
  }

  /** The next watchdog reset after `fromMs` (run timeline ms), drawn from the seeded stream; Infinity when off. */
  nextResetAfter(fromMs: number): number {
    return fromMs + nextEventMs(this.rng, this.plan.watchdogResetsPerDay / 24);
  }
}
