/**
 * Direct methods (reference §2.3): `POST /twins/{id}/methods` with
 * `{ methodName, payload, responseTimeoutInSeconds, connectTimeoutInSeconds }` → 200 `{ status, payload }` (the
 * device's status and body); 404103 when the device is offline, 504101 when it does not answer in time, 404001 when
 * it is not registered, 400004 for a bad name or timeout (5..300 s response, 0..300 s connect).
 */
import type { IotHubGateway } from '../iothub-gateway.js';
import { isJsonObject } from '../iothub/json.js';
import type { MethodInvokeOptions } from '../iothub/methods.js';
import { badRequest, readJson, sendJson } from './http.js';
import type { Router } from './router.js';

function seconds(v: unknown, name: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw badRequest(`${name} must be a number of seconds`);
  return v;
}

export function methodRoutes(router: Router, gateway: IotHubGateway): void {
  router.add('POST', '/twins/{id}/methods', async ({ req, res, params }) => {
    const body = await readJson(req);
    if (!isJsonObject(body)) throw badRequest('Method body must be a JSON object');
    const { methodName } = body;
    if (typeof methodName !== 'string' || methodName === '') throw badRequest('methodName is required');
    const responseTimeoutS = seconds(body.responseTimeoutInSeconds, 'responseTimeoutInSeconds');
    const connectTimeoutS = seconds(body.connectTimeoutInSeconds, 'connectTimeoutInSeconds');
    const options: MethodInvokeOptions = {
      ...(responseTimeoutS === undefined ? {} : { responseTimeoutS }),
      ...(connectTimeoutS === undefined ? {} : { connectTimeoutS }),
    };
    const result = await gateway.invokeMethod(params.id as string, methodName, body.payload ?? null, options);
    sendJson(res, 200, { status: result.status, payload: result.payload ?? null });
  });
}
