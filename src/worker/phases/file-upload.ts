import type { Clock } from '../../core/clock.js';
import { failureCode } from '../../core/errors.js';
import { createRng } from '../../core/rng.js';
import { compileTemplate } from '../../core/template.js';
import type { MetricsRecorder } from '../../metrics/recorder.js';
import type { FileUploadPhasePlan, RunPlan } from '../../scenario/plan.js';
import type { DeviceRuntime } from '../device.js';

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

/**
 * The uploads of one shard: a due upload runs if its device is connected (else upload.skipped), through the fleet
 * transport's `uploadFile` (IoT Hub file upload over HTTPS, whatever the telemetry protocol); latency from its intended
 * time. Outcomes after the shard finished are not recorded (they were counted as in flight, like telemetry).
 */
export class Uploads {
  inFlight = 0;

  constructor(
    private readonly recorder: MetricsRecorder,
    private readonly clock: Clock,
    private readonly finished: () => boolean,
  ) {}

  run(d: DeviceRuntime, phase: FileUploadPhasePlan, at: number): void {
    const transport = d.fleet.transport;
    if (d.status !== 'online' || transport.uploadFile === undefined) {
      this.recorder.count('upload.skipped');
      return;
    }
    const name = compileTemplate(phase.blobName, ['phase', 'fleet', 'index'])({ phase: phase.name, fleet: d.fleet.plan.id, index: d.localIndex });
    this.inFlight++;
    transport.uploadFile(d.deviceId, name, uploadBody(phase.sizeBytes, d.index)).then(
      () => {
        this.inFlight--;
        if (this.finished()) return;
        this.recorder.count('upload.ok');
        this.recorder.count('upload.bytes', phase.sizeBytes);
        this.recorder.observe('upload.latency', (this.clock.now() - at) * 1000);
      },
      (err: unknown) => {
        this.inFlight--;
        if (this.finished()) return;
        this.recorder.count('upload.failed');
        this.recorder.error('upload', failureCode(err));
      },
    );
  }
}
