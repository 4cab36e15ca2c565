/**
 * The embedded hub's device-facing HTTPS face (reference §2.7, §4): telemetry, C2D receive/complete/abandon/reject and
 * file upload (routes.ts), plus the local blob endpoint uploads go to (blob-store.ts), as a request handler that takes
 * the requests it owns and leaves the rest (the service API) to the next handler. Mount it on the same http or https
 * server as the service API: IoT Hub serves both on 443.
 *
 * Order of checks on a device route: device SAS for the device in the path (401 with IoT Hub's body; 404001 unknown
 * device) → admission (`admit`, the throttling call point) → api-version (400001) → the operation. Errors are
 * `{ errorCode, message }` with `iothub-errorcode`, as on the service API.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../core/clock.js';
import { HUB_API_VERSION } from '../../iothub/index.js';
import type { IotHubGateway } from '../iothub-gateway.js';
import { sendUnauthorized } from '../service-api/auth.js';
import { ApiError, sendError, toApiError } from '../service-api/http.js';
import { Router } from '../service-api/router.js';
import { checkDeviceAuthorization } from './auth.js';
import { BlobStore } from './blob-store.js';
import { FileUploads } from './file-uploads.js';
import { type DeviceHttpOperation, deviceRoutes } from './routes.js';

export type { DeviceHttpOperation } from './routes.js';
export { BlobStore } from './blob-store.js';
export { FileUploads, type FileNotification } from './file-uploads.js';
export { fileNotificationRoutes } from './notification-route.js';

export interface DeviceHttpOptions {
  /** The hub's host name devices sign their SAS for. */
  readonly hostName: string;
  readonly clock: Clock;
  /** Directory of the local blob store. */
  readonly blobDir: string;
  /** Blob container uploads go to (default `fleetsim-uploads`). */
  readonly container?: string;
  /** Largest blob accepted (default 256 MiB). */
  readonly maxBlobBytes?: number;
  /** Key the hub signs blob SAS tokens with (base64). */
  readonly blobKey: string;
  /** `host:port` of the server this handler is mounted on, known once it listens: returned to devices as `hostName`. */
  readonly blobHost: () => string;
  /** Publish a telemetry message into the broker (the same path MQTT telemetry takes to service subscribers). */
  readonly publish: (topic: string, body: Buffer) => void;
  /**
   * Throttling call point, once per authorised device request before any work: resolves to let the operation through
   * (after a shaping delay, if any), throws an ApiError / IotHubError (e.g. 429001, 403002) to refuse it. `bytes`: the
   * request's declared length (the daily quota's meter). Default: admit everything.
   */
  readonly admit?: (op: DeviceHttpOperation, deviceId: string, bytes: number) => Promise<void>;
}

/** Counters for tests and the hub's reporting: device requests served, and refused by reason. */
export interface DeviceHttpStats {
  requests: number;
  /** 401s by reason (bad-signature, expired, wrong-resource, missing, malformed, disabled, …). */
  unauthorized: Record<string, number>;
  /** Other refusals by IoT Hub error code (404001, 403006, 413001, 429001, …). */
  refused: Record<string, number>;
}

export interface DeviceHttp {
  /** Serve the request if it is a device or blob request (true), else leave it untouched (false). */
  tryHandle(req: IncomingMessage, res: ServerResponse): boolean;
  readonly stats: DeviceHttpStats;
  readonly blobs: BlobStore;
  readonly uploads: FileUploads;
}

/** The operation of a device route's path (`/devices/{id}/messages/events`, `…/devicebound[/{lock}[/abandon]]`, `…/files[/notifications…]`). */
function operationOf(pathname: string): DeviceHttpOperation {
  const s = pathname.toLowerCase().split('/').filter((x) => x !== '');
  if (s[2] === 'files') return s.length > 3 ? 'fileNotify' : 'fileUpload';
  if (s[3] === 'devicebound') return s.length > 4 ? 'c2dSettle' : 'c2dReceive';
  return 'd2c';
}

export function createDeviceHttp(gateway: IotHubGateway, o: DeviceHttpOptions): DeviceHttp {
  const blobs = new BlobStore({
    root: o.blobDir,
    container: o.container ?? 'fleetsim-uploads',
    account: o.hostName.split('.')[0] ?? 'fleetsim',
    keyBase64: o.blobKey,
    clock: o.clock,
    ...(o.maxBlobBytes === undefined ? {} : { maxBlobBytes: o.maxBlobBytes }),
  });
  const uploads = new FileUploads(o.clock);
  const router = new Router();
  deviceRoutes(router, { gateway, clock: o.clock, blobs, uploads, blobHost: o.blobHost, publish: o.publish });

  const stats: DeviceHttpStats = { requests: 0, unauthorized: {}, refused: {} };
  const handle = async (req: IncomingMessage, res: ServerResponse, url: URL, deviceId: string, run: () => Promise<void>): Promise<void> => {
    const failure = checkDeviceAuthorization(req, gateway, o.hostName, deviceId, o.clock);
    if (failure !== null) {
      stats.unauthorized[failure] = (stats.unauthorized[failure] ?? 0) + 1;
      req.resume();
      sendUnauthorized(res, failure, o.clock);
      return;
    }
    const op = operationOf(url.pathname);
    await o.admit?.(op, deviceId, Number(req.headers['content-length'] ?? 0) || 0);
    const version = url.searchParams.get('api-version');
    if (version !== HUB_API_VERSION) {
      throw new ApiError(400001, 'InvalidProtocolVersion', version === null ? `api-version is required (${HUB_API_VERSION})` : `api-version ${version} is not supported (${HUB_API_VERSION})`);
    }
    await run();
  };

  return {
    blobs,
    uploads,
    stats,
    tryHandle(req, res) {
      const url = new URL(req.url ?? '/', 'http://device.invalid');
      const blobName = blobs.blobNameOf(url.pathname);
      if (blobName !== undefined) {
        void blobs.handle(req, res, blobName, url.searchParams);
        return true;
      }
      let match;
      try {
        match = router.match(req.method ?? 'GET', url.pathname);
      } catch {
        return false; // a path that does not decode: the service API answers it
      }
      if (match.kind !== 'found') return false;
      const found = match;
      stats.requests++;
      handle(req, res, url, found.params.id as string, () => found.handler({ req, res, params: found.params, query: url.searchParams })).catch((err: unknown) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        if (!req.complete) {
          req.resume();
          res.setHeader('connection', 'close');
        }
        const e = toApiError(err);
        stats.refused[String(e.errorCode)] = (stats.refused[String(e.errorCode)] ?? 0) + 1;
        sendError(res, e);
      });
      return true;
    },
  };
}
