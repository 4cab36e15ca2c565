/**
 * fleetsim's own service API resources (not in IoT Hub), under the same service SAS:
 *   GET /fleetsim/telemetry  streams the hub's accepted D2C messages as NDJSON (one record per line, see
 *                            src/hub/telemetry/record.ts) from now until the client disconnects
 *   GET /fleetsim/stats      { telemetryAccepted, throttling, telemetryStream } (src/hub/hub-stats.ts)
 */
import type { IotHubGateway } from '../iothub-gateway.js';
import { hubStats } from '../hub-stats.js';
import type { TelemetryFeed } from '../telemetry/feed.js';
import { sendJson } from './http.js';
import type { Router } from './router.js';

export function fleetsimRoutes(router: Router, gateway: IotHubGateway, feed: TelemetryFeed | undefined): void {
  router.add('GET', '/fleetsim/stats', async ({ res }) => {
    sendJson(res, 200, hubStats(gateway, feed));
  });
  if (feed === undefined) return;
  router.add('GET', '/fleetsim/telemetry', async ({ res }) => {
    feed.subscribe(res);
  });
}
