import type { IotHubGateway } from './iothub-gateway.js';
import type { ThrottleCounters } from './iothub/hub-throttle.js';
import type { TelemetryFeed, TelemetryFeedStats } from './telemetry/feed.js';

/** What the embedded hub reports at the end of a run (plain data: crosses threads, goes into result.json). */
export interface HubStats {
  /** D2C messages the hub accepted and routed. */
  readonly telemetryAccepted: number;
  /** Tier throttling counters; undefined when throttling is off. */
  readonly throttling: ThrottleCounters | undefined;
  /** The telemetry stream's outputs (NDJSON, webhook, HTTP stream). */
  readonly telemetryStream: TelemetryFeedStats | undefined;
}

export function hubStats(gateway: IotHubGateway, feed: TelemetryFeed | undefined): HubStats {
  return { telemetryAccepted: gateway.stats.telemetry, throttling: gateway.throttle.counters(), telemetryStream: feed?.stats() };
}
