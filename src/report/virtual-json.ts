import type { SecureOsCpu, SecureOsReport } from '../metrics/secure-os-report.js';
import type { VirtualSummaryInput } from './virtual-text.js';

/**
 * A virtual-time run's result file: what the summary prints, as data (the summary's figures without the sink, and
 * `secureOs` in the live result.json's shape).
 */
export interface VirtualResult extends Omit<VirtualSummaryInput, 'sink' | 'secureOs'> {
  readonly clock: 'virtual';
  /** Secure-OS fleets: the same shape as a live run's result.json `secureOs`. */
  readonly secureOs?: SecureOsReport;
  /** Secure-OS fleets: CPU time of measured boots and attestations (virtual time has no network latency). */
  readonly secureOsCpu?: SecureOsCpu;
}

export function virtualResult(v: VirtualSummaryInput): VirtualResult {
  const { scenario, seed, devices, workers, samples, bytes, modelSpanMs, wallMs, samplesPerS, heapPerDeviceBytes } = v;
  return {
    clock: 'virtual',
    ...{ scenario, seed, devices, workers, samples, bytes, modelSpanMs, wallMs, samplesPerS, heapPerDeviceBytes },
    ...(v.secureOs === undefined ? {} : { secureOs: v.secureOs.report, secureOsCpu: v.secureOs.cpu }),
  };
}

/** Pretty JSON (2-space indent) with a trailing newline, as the live result file. */
export function renderVirtualJson(v: VirtualSummaryInput): string {
  return `${JSON.stringify(virtualResult(v), null, 2)}\n`;
}
