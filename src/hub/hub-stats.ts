import type { HubStats } from '../metrics/hub-report.js';
import type { EnforcementStats } from './attestation/enforcement.js';
import type { AttestationService } from '../attestation/service.js';
import type { IotHubGateway } from './iothub-gateway.js';
import type { TelemetryFeed } from './telemetry/feed.js';

export type { HubStats } from '../metrics/hub-report.js';

/** The embedded hub's end-of-run counters (src/metrics/hub-report.ts describes them). */
export function hubStats(
  gateway: IotHubGateway,
  feed: TelemetryFeed | undefined,
  attestation?: { readonly service: AttestationService; readonly enforcement: EnforcementStats },
): HubStats {
  const base = { telemetryAccepted: gateway.stats.telemetry, throttling: gateway.throttle.counters(), telemetryStream: feed?.stats() };
  if (attestation === undefined) return base;
  const c = attestation.service.verifier.counts();
  const refused: Record<string, number> = {};
  for (const [reason, n] of Object.entries(c.refused)) if (n !== undefined) refused[reason] = n;
  return { ...base, attestation: { ...c, refused, ...attestation.enforcement } };
}
