import type { HubStats } from '../metrics/hub-report.js';
import type { IotHubGateway } from './iothub-gateway.js';
import type { TelemetryFeed } from './telemetry/feed.js';

export type { HubStats } from '../metrics/hub-report.js';

/** The embedded hub's end-of-run counters (src/metrics/hub-report.ts describes them). */
export function hubStats(gateway: IotHubGateway, feed: TelemetryFeed | undefined): HubStats {
  return { telemetryAccepted: gateway.stats.telemetry, throttling: gateway.throttle.counters(), telemetryStream: feed?.stats() };
}
