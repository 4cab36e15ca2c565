import type { Readings } from '../devices/model.js';
import type { RunPlan } from '../scenario/plan.js';
import type { ShardRange } from '../scenario/shard.js';
import type { Transport } from '../transports/transport.js';
import type { DeviceRuntime, FleetContext } from './device.js';
import { buildDevices } from './fleet.js';
import { arrivalAt, connectAssignments } from './phases/connect.js';
import type { SecureGate, VirtualSecureOs } from './virtual-secure-os.js';

/** One telemetry sample in virtual time: `ts` is model time (epoch ms). */
export interface VirtualSample {
  readonly deviceId: string;
  readonly seq: number;
  readonly ts: number;
  readonly readings: Readings;
}

/** One NDJSON line: deviceId, seq, ts (model time), then the readings, as a live payload is laid out. */
export function sampleLine(s: VirtualSample): string {
  return `${JSON.stringify({ deviceId: s.deviceId, seq: s.seq, ts: s.ts, ...s.readings })}\n`;
}

/** Virtual time has no network: a transport that is never called. */
export const NO_TRANSPORT: Transport = {
  connect: () => Promise.reject(new Error('virtual time has no transport')),
};

/**
 * Run a shard's devices in virtual time: no sockets, no timers, model time runs as fast as the CPU allows. The same
 * device code and streams as a live run: each device's first reading is due at its intended arrival plus the seeded
 * uniform(0, every), then every interval (÷ the spike multiplier in force, ± jitter), until telemetry stops (the drain
 * phase, or the end of the timeline). Devices run one after another (device-major order), so the output of shards
 * written in shard order is the same bytes whatever the shard count. Disconnect storms and deep sleep do not apply:
 * there is no connection to drop. Boot time delays the first reading; a watchdog reset skips the readings due while
 * the device reboots.
 */
export function runVirtualShard(
  plan: RunPlan,
  shard: ShardRange,
  models: ReadonlyArray<Omit<FleetContext, 'transport'>>,
  emit: (sample: VirtualSample) => void,
  endMs: number = telemetryEndMs(plan),
  /** Called once the shard's devices exist, before any runs (to measure memory per device, or keep them alive). */
  onBuilt?: (devices: readonly DeviceRuntime[]) => void,
  /** Secure-OS fleets: boot, attestation and the telemetry gate (virtual-secure-os.ts); without it they run as ordinary devices. */
  secure?: VirtualSecureOs,
): number {
  const fleets: FleetContext[] = models.map((m) => ({ ...m, transport: NO_TRANSPORT }));
  const assignments = connectAssignments(plan);
  const spikes = plan.phases.flatMap((p) => (p.kind === 'spike' ? [[p.startMs, p.startMs + p.durationMs, p.multiplier] as const] : []));
  const multiplierAt = (t: number): number => {
    for (const [from, to, m] of spikes) if (t >= from && t < to) return m;
    return 1;
  };
  let samples = 0;
  const devices = buildDevices(plan, shard, fleets);
  onBuilt?.(devices);
  for (const d of devices) {
    const gate = secure?.begin(d);
    const a = assignments.get(d.fleet.plan.id);
    if (gate !== undefined && secure !== undefined) {
      if (a !== undefined) samples += runGatedDevice(plan, d, arrivalAt(0, a, d.localIndex), endMs, multiplierAt, emit, secure, gate);
      secure.finish(d, gate);
      continue;
    }
    if (a === undefined) continue;
    const bootMs = d.fleet.plan.mcu.bootMs;
    const arrival = arrivalAt(0, a, d.localIndex) + bootMs; // powered on at arrival, connected after booting
    d.lastStepAt = plan.startTimeMs + arrival;
    const watchdog = d.mcu !== undefined && d.fleet.plan.mcu.watchdogResetsPerDay > 0 ? d.mcu : undefined;
    let resetAt = watchdog === undefined ? Infinity : watchdog.nextResetAfter(arrival);
    let bootedAt = arrival;
    for (let t = arrival + d.schedRng.uniform(0, d.fleet.plan.telemetry.everyMs); t < endMs; ) {
      while (t >= resetAt && watchdog !== undefined) {
        // A watchdog reset: the device reboots; readings due while it boots are not taken (see Connections.reboot).
        bootedAt = resetAt + bootMs;
        resetAt = watchdog.nextResetAfter(bootedAt);
        d.forgetRam();
      }
      const next = t + d.nextIntervalMs(multiplierAt(t));
      if (t >= bootedAt) {
        const ts = plan.startTimeMs + t;
        const readings = d.read(ts);
        emit({ deviceId: d.deviceId, seq: d.seq, ts: Math.round(ts), readings });
        samples++;
        if (d.modelDead) break; // a dead device sends nothing more (its last reading says so)
      }
      t = next;
    }
  }
  return samples;
}

/**
 * A secure-OS device in virtual time: the same schedule, streams and watchdog as the loop above, plus its measured
 * boots and attestations (virtual-secure-os.ts) in time order with its resets; a reading is emitted only while the
 * device holds a full credential. Kept apart from the ordinary loop, which stays as lean as it was.
 */
function runGatedDevice(
  plan: RunPlan,
  d: DeviceRuntime,
  poweredOn: number,
  endMs: number,
  multiplierAt: (t: number) => number,
  emit: (sample: VirtualSample) => void,
  secure: VirtualSecureOs,
  gate: SecureGate,
): number {
  const bootMs = d.fleet.plan.mcu.bootMs;
  const arrival = poweredOn + bootMs;
  d.lastStepAt = plan.startTimeMs + arrival;
  const watchdog = d.mcu !== undefined && d.fleet.plan.mcu.watchdogResetsPerDay > 0 ? d.mcu : undefined;
  let resetAt = watchdog === undefined ? Infinity : watchdog.nextResetAfter(arrival);
  let bootedAt = arrival;
  let rebooting = false;
  if (arrival < endMs) secure.booted(d, gate, arrival);
  /** Watchdog resets and attestations due at or before `until` (before it, when `strictly`), in time order. */
  const eventsUntil = (until: number, strictly: boolean): void => {
    for (;;) {
      const due = Math.min(resetAt, gate.nextAt);
      if (due === Infinity || due > until || (strictly && due === until)) return;
      if (resetAt <= gate.nextAt && watchdog !== undefined) {
        bootedAt = resetAt + bootMs;
        resetAt = watchdog.nextResetAfter(bootedAt);
        d.forgetRam();
        gate.admitted = false; // powered down: no credential until it has booted and attested again
        gate.nextAt = bootedAt;
        rebooting = true;
      } else {
        if (rebooting) secure.booted(d, gate, gate.nextAt);
        else secure.attest(d, gate, gate.nextAt);
        rebooting = false;
      }
    }
  };
  let samples = 0;
  for (let t = arrival + d.schedRng.uniform(0, d.fleet.plan.telemetry.everyMs); t < endMs; ) {
    eventsUntil(t, false);
    const next = t + d.nextIntervalMs(multiplierAt(t));
    if (t >= bootedAt && gate.admitted) {
      const ts = plan.startTimeMs + t;
      const readings = d.read(ts);
      emit({ deviceId: d.deviceId, seq: d.seq, ts: Math.round(ts), readings });
      samples++;
      if (d.modelDead) return samples; // dead: it neither sends nor attests any more
    }
    t = next;
  }
  eventsUntil(endMs, true); // boots and attestations after its last reading still count
  return samples;
}

/** Telemetry stops when the drain phase starts (or at the end of the timeline). */
export function telemetryEndMs(plan: RunPlan): number {
  const drain = plan.phases.find((p) => p.kind === 'drain');
  return drain?.startMs ?? plan.totalDurationMs;
}
