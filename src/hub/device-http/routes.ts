/**
 * The device-facing HTTPS routes of the embedded hub (reference §2.7). Paths (api-version=2021-04-12 required):
 *   POST   /devices/{id}/messages/events                        telemetry, one message or a batch → 204
 *   GET    /devices/{id}/messages/devicebound                   next C2D message → 200 (etag = lock token) or 204
 *   DELETE /devices/{id}/messages/devicebound/{lockToken}       complete (`?reject` rejects) → 204; 412002 lock lost
 *   POST   /devices/{id}/messages/devicebound/{lockToken}/abandon → 204
 *   POST   /devices/{id}/files                                  {blobName} → 200 {correlationId, hostName, containerName, blobName, sasToken}
 *   POST   /devices/{id}/files/notifications[/{correlationId}]  {correlationId, isSuccess, statusCode, statusDescription} → 204
 */
import type { Clock } from '../../core/clock.js';
import { APP_HEADER_PREFIX } from '../../iothub/index.js';
import { isoMs } from '../iothub/json.js';
import type { IotHubGateway } from '../iothub-gateway.js';
import type { C2dMessage } from '../iothub/c2d-queue.js';
import { badRequest, readJson, sendJson, sendNoContent } from '../service-api/http.js';
import type { RequestContext, Router } from '../service-api/router.js';
import type { BlobStore } from './blob-store.js';
import type { FileUploads } from './file-uploads.js';
import { d2cMessages } from './telemetry.js';

/** The operations a throttle may refuse (one call point for the hub's throttling; see DeviceHttpOptions.admit). */
export type DeviceHttpOperation = 'd2c' | 'c2dReceive' | 'c2dSettle' | 'fileUpload' | 'fileNotify';

export interface RouteDeps {
  readonly gateway: IotHubGateway;
  readonly clock: Clock;
  readonly blobs: BlobStore;
  readonly uploads: FileUploads;
  /** `host:port` devices upload to (the blob endpoint's address, returned as `hostName`). */
  readonly blobHost: () => string;
  /** Hand one stamped telemetry message to the broker: service subscribers get it as MQTT telemetry. */
  readonly publish: (topic: string, body: Buffer) => void;
}

export function deviceRoutes(router: Router, d: RouteDeps): void {
  const { gateway } = d;
  router.add('POST', '/devices/{id}/messages/events', async ({ req, res, params }) => {
    const deviceId = params.id as string;
    const messages = await d2cMessages(req, deviceId);
    // Counted (gateway.stats.telemetry), stamped and fed to the telemetry stream as MQTT telemetry is.
    for (const m of messages) d.publish(gateway.ingestTelemetry(deviceId, m.properties, m.topic, m.body), m.body);
    gateway.registry.touch(deviceId);
    sendNoContent(res);
  });

  router.add('GET', '/devices/{id}/messages/devicebound', async ({ res, params }) => {
    const deviceId = params.id as string;
    const m = gateway.c2d.next(deviceId);
    gateway.registry.touch(deviceId);
    if (m === undefined) {
      sendNoContent(res);
      return;
    }
    res.writeHead(200, { ...c2dHeaders(m), 'content-length': String(m.body.length) });
    res.end(m.body);
  });

  const settle = async ({ res, params, query }: RequestContext, op: 'complete' | 'reject' | 'abandon'): Promise<void> => {
    const deviceId = params.id as string;
    const lock = (params.lockToken as string).replace(/^"|"$/g, '');
    if (op === 'abandon') gateway.c2d.abandon(deviceId, lock);
    else if (op === 'reject' || query.has('reject')) gateway.c2d.reject(deviceId, lock);
    else gateway.c2d.complete(deviceId, lock);
    sendNoContent(res);
  };
  router.add('DELETE', '/devices/{id}/messages/devicebound/{lockToken}', (ctx) => settle(ctx, 'complete'));
  router.add('POST', '/devices/{id}/messages/devicebound/{lockToken}/abandon', (ctx) => settle(ctx, 'abandon'));

  router.add('POST', '/devices/{id}/files', async ({ req, res, params }) => {
    const deviceId = params.id as string;
    const body = (await readJson(req)) as { blobName?: unknown } | null;
    const name = body?.blobName;
    if (typeof name !== 'string' || name === '' || name.length > 1024) throw badRequest('blobName must be a non-empty string of at most 1024 characters');
    const blobName = `${deviceId}/${name}`;
    const upload = d.uploads.begin(deviceId, blobName);
    const sasToken = d.blobs.sasFor(blobName, upload.expiresMs);
    sendJson(res, 200, { correlationId: upload.correlationId, hostName: d.blobHost(), containerName: d.blobs.container, blobName, sasToken });
  });

  const notify = async ({ req, res, params }: RequestContext): Promise<void> => {
    const deviceId = params.id as string;
    const body = (await readJson(req)) as { correlationId?: unknown; isSuccess?: unknown } | null;
    const correlationId = params.correlationId ?? body?.correlationId;
    if (typeof correlationId !== 'string' || correlationId === '') throw badRequest('correlationId is required');
    if (typeof body?.isSuccess !== 'boolean') throw badRequest('isSuccess must be true or false');
    const upload = d.uploads.finish(deviceId, correlationId, body.isSuccess);
    if (upload === undefined) throw badRequest(`No file upload of device ${deviceId} has correlation id ${correlationId}`);
    d.blobs.discardStaged(upload.blobName);
    if (body.isSuccess) {
      const info = await d.blobs.info(upload.blobName);
      if (info !== undefined) {
        d.uploads.notify({
          deviceId,
          blobUri: `https://${d.blobHost()}/${d.blobs.container}/${upload.blobName}`,
          blobName: upload.blobName,
          lastUpdatedTime: isoMs(info.lastModifiedMs),
          blobSizeInBytes: info.size,
        });
      }
    }
    sendNoContent(res);
  };
  router.add('POST', '/devices/{id}/files/notifications', notify);
  router.add('POST', '/devices/{id}/files/notifications/{correlationId}', notify);
}

/** Headers of a C2D message received over HTTPS, as IoT Hub sets them. */
function c2dHeaders(m: C2dMessage): Record<string, string> {
  const h: Record<string, string> = {
    etag: `"${m.lockToken as string}"`,
    'iothub-sequencenumber': String(m.sequenceNumber),
    'iothub-enqueuedtime': new Date(m.enqueuedMs).toUTCString(),
    'iothub-deliverycount': String(m.deliveryCount - 1),
    'iothub-expiry': isoMs(m.expiryMs),
    'iothub-to': `/devices/${m.deviceId}/messages/devicebound`,
    'iothub-ack': m.ack,
  };
  if (m.messageId !== undefined) h['iothub-messageid'] = m.messageId;
  if (m.correlationId !== undefined) h['iothub-correlationid'] = m.correlationId;
  if (m.userId !== undefined) h['iothub-userid'] = m.userId;
  if (m.contentType !== undefined) h['iothub-contenttype'] = m.contentType;
  if (m.contentEncoding !== undefined) h['iothub-contentencoding'] = m.contentEncoding;
  for (const [k, v] of Object.entries(m.properties)) h[`${APP_HEADER_PREFIX}${k}`] = v ?? '';
  return h;
}
