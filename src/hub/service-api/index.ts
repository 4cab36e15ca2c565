/**
 * The embedded hub's service REST API: the paths and JSON shapes of Azure IoT Hub's service API
 * (api-version=2021-04-12), authenticated with a service SAS, as a plain node:http request handler over an
 * IotHubGateway (mount it on an http or https server).
 *
 * Order of checks: authorisation (401, IoT Hub's own body) → path (404) → method (405) → api-version (400001)
 * → throttling when a tier is set (429001 / 403002, or the answer waits: shaping) → body (Content-Type JSON 400004,
 * parse 400006, size 413001) → the operation. Every other failure is
 * `{ errorCode, message }` with the HTTP status of the code and `iothub-errorcode: <name>`.
 *
 * Resource families: devices.ts (registry, bulk), twins.ts, methods.ts, c2d.ts (fleetsim's HTTP C2D), query.ts,
 * certificates.ts (trusted CAs of X.509 devices), fleetsim.ts (fleetsim's telemetry stream and hub stats); throttle.ts
 * maps requests to IoT Hub throttle classes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../core/clock.js';
import { HUB_API_VERSION } from '../../iothub/index.js';
import type { IotHubGateway } from '../iothub-gateway.js';
import { checkAuthorization, sendUnauthorized } from './auth.js';
import { c2dRoutes } from './c2d.js';
import { certificateRoutes } from './certificates.js';
import { deviceRoutes } from './devices.js';
import { fleetsimRoutes } from './fleetsim.js';
import type { TelemetryFeed } from '../telemetry/feed.js';
import { ApiError, sendError, toApiError } from './http.js';
import { methodRoutes } from './methods.js';
import { queryRoutes } from './query.js';
import { Router, methodNotAllowed, notFoundPath } from './router.js';
import { admitRequest } from './throttle.js';
import { twinRoutes } from './twins.js';

export { MAX_BODY_BYTES } from './http.js';
export { MAX_BULK_DEVICES } from './devices.js';
export { deleteDevice, patchTwin, replaceTwin } from './gateway-ops.js';

export interface ServiceApiOptions {
  /** The hub's host name: service tokens are signed over it (`sr=<hostName>`). */
  hostName: string;
  /** The owner policy's key (base64). */
  serviceKey: string;
  clock: Clock;
  /** Policy name tokens must carry in `skn` (default `iothubowner`). */
  policyName?: string;
  /** Accepted api-version values (default: 2021-04-12 only). */
  apiVersions?: readonly string[];
  /** More service routes (e.g. the file notifications of src/hub/device-http/), added after the built-in ones. */
  extraRoutes?: (router: Router) => void;
  /** The hub's telemetry feed: enables `GET /fleetsim/telemetry` (NDJSON stream). */
  telemetry?: TelemetryFeed;
}

export type ServiceApiHandler = (req: IncomingMessage, res: ServerResponse) => void;

export function createServiceApi(gateway: IotHubGateway, o: ServiceApiOptions): ServiceApiHandler {
  const router = new Router();
  // Query before the device routes: POST /devices/query is the query, GET /devices/query the device "query".
  queryRoutes(router, gateway);
  deviceRoutes(router, gateway);
  twinRoutes(router, gateway);
  methodRoutes(router, gateway);
  c2dRoutes(router, gateway);
  certificateRoutes(router, gateway);
  fleetsimRoutes(router, gateway, o.telemetry);
  o.extraRoutes?.(router);
  const auth = { hostName: o.hostName, serviceKey: o.serviceKey, clock: o.clock, policyName: o.policyName ?? 'iothubowner' };
  const versions = o.apiVersions ?? [HUB_API_VERSION];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const failure = checkAuthorization(req, auth);
    if (failure !== null) {
      req.resume(); // discard any body
      sendUnauthorized(res, failure, o.clock);
      return;
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://service.invalid');
    const match = router.match(method, url.pathname);
    if (match.kind === 'not-found') throw notFoundPath(method, url.pathname);
    if (match.kind === 'method-not-allowed') throw methodNotAllowed(method, url.pathname, match.allowed);
    const version = url.searchParams.get('api-version');
    if (version === null || !versions.includes(version)) {
      throw new ApiError(
        400001,
        'InvalidProtocolVersion',
        version === null ? `api-version is required (${versions.join(', ')})` : `api-version ${version} is not supported (${versions.join(', ')})`,
      );
    }
    await admitRequest(gateway, method, match.path, match.params, req);
    await match.handler({ req, res, params: match.params, query: url.searchParams });
  };

  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      const e = toApiError(err);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (!req.complete) {
        req.resume(); // an unread body (error before reading it): drain so the client reads the answer
        res.setHeader('connection', 'close');
      }
      sendError(res, e);
    });
  };
}
