/**
 * Which IoT Hub throttle class a service API request counts against (reference §5.2): direct methods (metered in
 * 4 KB of request body), C2D sends, twin reads and updates, queries and identity registry operations. A throttled
 * request fails with 429001 ThrottlingException (403002 IotHubQuotaExceeded once the daily quota is spent) before
 * its body is read; a shaped one is answered late. Without a tier nothing is throttled.
 */
import type { IncomingMessage } from 'node:http';
import type { IotHubGateway } from '../iothub-gateway.js';
import type { ThrottleClass } from '../iothub/hub-throttle.js';

const CLASSES: Readonly<Record<string, ThrottleClass>> = {
  'POST /twins/{id}/methods': 'methods',
  'POST /devices/{id}/messages/deviceBound': 'c2d',
  'GET /twins/{id}': 'twinReads',
  'PATCH /twins/{id}': 'twinUpdates',
  'PUT /twins/{id}': 'twinUpdates',
  'POST /devices/query': 'queries',
  'PUT /devices/{id}': 'registry',
  'GET /devices/{id}': 'registry',
  'DELETE /devices/{id}': 'registry',
  'GET /devices': 'registry',
  'POST /devices': 'registry',
};

export function throttleClassOf(method: string, routePath: string): ThrottleClass | undefined {
  return CLASSES[`${method} ${routePath}`];
}

export async function admitRequest(
  gateway: IotHubGateway,
  method: string,
  routePath: string,
  params: Readonly<Record<string, string>>,
  req: IncomingMessage,
): Promise<void> {
  if (!gateway.throttle.enabled) return;
  const cls = throttleClassOf(method, routePath);
  if (cls === undefined) return;
  const bytes = Number(req.headers['content-length'] ?? 0);
  await gateway.admitService(cls, params.id, Number.isFinite(bytes) ? bytes : 0);
}
