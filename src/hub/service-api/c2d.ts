/**
 * Cloud-to-device messages. In IoT Hub the service sends C2D over AMQP only (`/messages/devicebound`); these HTTP
 * paths are a fleetsim convenience:
 *   POST   /devices/{id}/messages/deviceBound         body = message body (any content type), properties from
 *          headers iothub-messageid, iothub-correlationid, iothub-userid, iothub-ack (none|positive|negative|full),
 *          iothub-expiry (ISO-8601 absolute expiry), iothub-contenttype, iothub-contentencoding,
 *          iothub-app-<name> (application property <name>) → 204; 403004 over 50 queued, 413001 over 64 KB
 *   GET    /devices/{id}/messages/deviceBound/queue   (fleetsim) → { deviceId, pendingCount }
 * IoT Hub's purge (`DELETE /devices/{id}/commands`) is not offered: purging a message the gateway has in flight
 * would make the device's PUBACK throw inside the gateway's ack hook (see gateway-ops.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { IotHubGateway } from '../iothub-gateway.js';
import type { C2dAck, C2dSend } from '../iothub/c2d-queue.js';
import { notFound } from '../iothub/registry.js';
import { badRequest, header, readBody, sendJson, sendNoContent } from './http.js';
import type { Router } from './router.js';

const ACKS: readonly string[] = ['none', 'positive', 'negative', 'full'];
const APP_PREFIX = 'iothub-app-';

/** The C2D message a request describes (headers → properties, raw body). */
export function c2dFromRequest(req: IncomingMessage, body: Buffer): C2dSend {
  const msg: C2dSend = { body };
  const set = <K extends 'messageId' | 'correlationId' | 'userId' | 'contentType' | 'contentEncoding'>(key: K, name: string) => {
    const v = header(req, name);
    if (v !== undefined) msg[key] = v;
  };
  set('messageId', 'iothub-messageid');
  set('correlationId', 'iothub-correlationid');
  set('userId', 'iothub-userid');
  set('contentType', 'iothub-contenttype');
  set('contentEncoding', 'iothub-contentencoding');
  const ack = header(req, 'iothub-ack');
  if (ack !== undefined) {
    if (!ACKS.includes(ack)) throw badRequest(`iothub-ack must be one of ${ACKS.join(', ')}, got ${JSON.stringify(ack)}`);
    msg.ack = ack as C2dAck;
  }
  const expiry = header(req, 'iothub-expiry');
  if (expiry !== undefined) {
    const ms = Date.parse(expiry);
    if (!Number.isFinite(ms)) throw badRequest(`iothub-expiry must be an ISO-8601 date-time, got ${JSON.stringify(expiry)}`);
    msg.expiryTimeMs = ms;
  }
  const properties: Record<string, string> = {};
  // rawHeaders keeps the sender's spelling of the property name (Node lower-cases req.headers).
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] as string;
    if (name.toLowerCase().startsWith(APP_PREFIX) && name.length > APP_PREFIX.length) {
      properties[name.slice(APP_PREFIX.length)] = req.rawHeaders[i + 1] as string;
    }
  }
  if (Object.keys(properties).length > 0) msg.properties = properties;
  return msg;
}

export function c2dRoutes(router: Router, gateway: IotHubGateway): void {
  router.add('POST', '/devices/{id}/messages/deviceBound', async ({ req, res, params }) => {
    const deviceId = params.id as string;
    const body = await readBody(req);
    gateway.sendC2d(deviceId, c2dFromRequest(req, body));
    sendNoContent(res);
  });

  router.add('GET', '/devices/{id}/messages/deviceBound/queue', async ({ res, params }) => {
    const deviceId = params.id as string;
    if (!gateway.registry.has(deviceId)) throw notFound(deviceId);
    gateway.c2d.sweep();
    sendJson(res, 200, { deviceId, pendingCount: gateway.c2d.depth(deviceId) });
  });
}
