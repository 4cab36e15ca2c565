/**
 * Twin endpoints (IoT Hub service API "Devices - Get/Update/Replace Twin", api-version 2021-04-12):
 *   GET   /twins/{id}   full twin
 *   PATCH /twins/{id}   { tags?, properties?: { desired? } } merged (If-Match twin etag, absent = unconditional)
 *   PUT   /twins/{id}   { tags?, properties?: { desired? } } replaced (an omitted section is left unchanged)
 * A desired change is pushed to the connected device (`$iothub/twin/PATCH/properties/desired/?$version=n`).
 */
import type { IotHubGateway } from '../iothub-gateway.js';
import { type JsonObject, isJsonObject } from '../iothub/json.js';
import { patchTwin, replaceTwin } from './gateway-ops.js';
import { badRequest, etagHeader, header, readJson, sendJson } from './http.js';
import type { Router } from './router.js';

/** Tags and desired of a twin body; 400004 for anything the service side may not write (reported, bad types). */
function parseTwinBody(body: unknown, deviceId: string): { tags?: JsonObject; desired?: JsonObject } {
  if (!isJsonObject(body)) throw badRequest('Twin body must be a JSON object');
  if (body.deviceId !== undefined && body.deviceId !== deviceId) {
    throw badRequest(`deviceId in the body (${JSON.stringify(body.deviceId)}) does not match the path (${deviceId})`);
  }
  const out: { tags?: JsonObject; desired?: JsonObject } = {};
  if (body.tags !== undefined && body.tags !== null) {
    if (!isJsonObject(body.tags)) throw badRequest('tags must be a JSON object');
    out.tags = body.tags;
  }
  const props = body.properties;
  if (props !== undefined && props !== null) {
    if (!isJsonObject(props)) throw badRequest('properties must be a JSON object');
    if (props.reported !== undefined) throw badRequest('Reported properties are written by the device only');
    if (props.desired !== undefined && props.desired !== null) {
      if (!isJsonObject(props.desired)) throw badRequest('properties.desired must be a JSON object');
      const { $metadata: _m, $version: _v, ...desired } = props.desired;
      out.desired = desired;
    }
  }
  return out;
}

export function twinRoutes(router: Router, gateway: IotHubGateway): void {
  router.add('GET', '/twins/{id}', async ({ res, params }) => {
    const twin = gateway.twins.fullTwin(params.id as string);
    sendJson(res, 200, twin, etagHeader(twin.etag));
  });

  router.add('PATCH', '/twins/{id}', async ({ req, res, params }) => {
    const deviceId = params.id as string;
    const body = await readJson(req);
    const twin = patchTwin(gateway, deviceId, parseTwinBody(body, deviceId), header(req, 'if-match'));
    sendJson(res, 200, twin, etagHeader(twin.etag));
  });

  router.add('PUT', '/twins/{id}', async ({ req, res, params }) => {
    const deviceId = params.id as string;
    const body = await readJson(req);
    const twin = replaceTwin(gateway, deviceId, parseTwinBody(body, deviceId), header(req, 'if-match'));
    sendJson(res, 200, twin, etagHeader(twin.etag));
  });
}
