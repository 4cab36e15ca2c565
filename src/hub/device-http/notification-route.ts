/**
 * File upload notifications for service clients (a fleetsim extension on the service API; IoT Hub delivers them over
 * AMQP from `/messages/serviceBound/filenotifications`):
 *   GET /messages/serviceBound/filenotifications?api-version=…[&max=N][&wait=S]
 *     → 200 `[{ deviceId, blobUri, blobName, lastUpdatedTime, blobSizeInBytes, enqueuedTimeUtc }, …]` (taken: each
 *       notification is returned once), or 204 after waiting up to `wait` seconds (default 0, at most 60) for one.
 */
import { badRequest, sendJson, sendNoContent } from '../service-api/http.js';
import type { Router } from '../service-api/router.js';
import type { FileUploads } from './file-uploads.js';

export function fileNotificationRoutes(router: Router, uploads: FileUploads): void {
  router.add('GET', '/messages/serviceBound/filenotifications', async ({ res, query }) => {
    const max = Number(query.get('max') ?? 100);
    const wait = Number(query.get('wait') ?? 0);
    if (!Number.isInteger(max) || max < 1 || max > 1000) throw badRequest('max must be an integer from 1 to 1000');
    if (!Number.isFinite(wait) || wait < 0 || wait > 60) throw badRequest('wait must be 0 to 60 seconds');
    const items = await uploads.take(max, wait * 1000, { setTimeout, clearTimeout });
    if (items.length === 0) sendNoContent(res);
    else sendJson(res, 200, items);
  });
}
