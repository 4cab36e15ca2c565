/**
 * Identity registry endpoints (IoT Hub service API "Devices" and "Bulk Registry", api-version 2021-04-12):
 *   PUT    /devices/{id}          create (no If-Match; 409001 if it exists) or update (If-Match etag or `*`)
 *   GET    /devices/{id}          identity JSON
 *   DELETE /devices/{id}          If-Match (absent = `*`); also drops its twin and C2D queue → 204
 *   GET    /devices?top=N         identities (N ≤ 1000, default 1000)
 *   GET    /statistics/devices    { totalDeviceCount, enabledDeviceCount, disabledDeviceCount }
 *   POST   /devices               bulk: [{ id, importMode, status, authentication, eTag }] (≤ 100) →
 *                                 { isSuccessful, errors: [{ deviceId, errorCode, errorStatus, operation }], warnings }
 */
import type { IotHubGateway } from '../iothub-gateway.js';
import { IotHubError } from '../iothub/errors.js';
import { isJsonObject } from '../iothub/json.js';
import type { DeviceAuthentication, DeviceCreate, DeviceStatus, DeviceUpdate } from '../iothub/registry.js';
import { deleteDevice } from './gateway-ops.js';
import { badRequest, etagHeader, header, readJson, sendJson, sendNoContent, toApiError } from './http.js';
import type { Router } from './router.js';

export const MAX_BULK_DEVICES = 100;
const MAX_TOP = 1000;

type SasInput = { type: 'sas'; primaryKey?: string; secondaryKey?: string };

/** The `authentication` object of a Device JSON, or undefined when absent. 400004 when malformed. */
export function parseAuthentication(v: unknown): DeviceAuthentication | SasInput | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isJsonObject(v)) throw badRequest('authentication must be an object');
  const type = v.type ?? 'sas';
  const str = (x: unknown, what: string): string | undefined => {
    if (x === undefined || x === null || x === '') return undefined;
    if (typeof x !== 'string') throw badRequest(`${what} must be a string`);
    return x;
  };
  const obj = (x: unknown, what: string): Record<string, unknown> => {
    if (x === undefined || x === null) return {};
    if (!isJsonObject(x)) throw badRequest(`${what} must be an object`);
    return x;
  };
  switch (type) {
    case 'sas': {
      const k = obj(v.symmetricKey, 'authentication.symmetricKey');
      const primaryKey = str(k.primaryKey, 'symmetricKey.primaryKey');
      const secondaryKey = str(k.secondaryKey, 'symmetricKey.secondaryKey');
      return { type: 'sas', ...(primaryKey === undefined ? {} : { primaryKey }), ...(secondaryKey === undefined ? {} : { secondaryKey }) };
    }
    case 'selfSigned': {
      const t = obj(v.x509Thumbprint, 'authentication.x509Thumbprint');
      const primaryThumbprint = str(t.primaryThumbprint, 'x509Thumbprint.primaryThumbprint');
      const secondaryThumbprint = str(t.secondaryThumbprint, 'x509Thumbprint.secondaryThumbprint');
      if (primaryThumbprint === undefined) throw badRequest('selfSigned authentication needs x509Thumbprint.primaryThumbprint');
      return secondaryThumbprint === undefined ? { type, primaryThumbprint } : { type, primaryThumbprint, secondaryThumbprint };
    }
    case 'certificateAuthority':
      return { type };
    default:
      throw badRequest(`authentication.type ${JSON.stringify(type)} is not supported (sas, selfSigned, certificateAuthority)`);
  }
}

function parseStatus(v: unknown): DeviceStatus | undefined {
  if (v === undefined || v === null) return undefined;
  if (v !== 'enabled' && v !== 'disabled') throw badRequest(`status must be "enabled" or "disabled", got ${JSON.stringify(v)}`);
  return v;
}

interface DeviceFields {
  status?: DeviceStatus;
  statusReason?: string;
  authentication?: DeviceAuthentication | SasInput;
  iotEdge?: boolean;
}

function parseDeviceFields(body: Record<string, unknown>): DeviceFields {
  const status = parseStatus(body.status);
  const authentication = parseAuthentication(body.authentication);
  const statusReason = body.statusReason;
  if (statusReason !== undefined && statusReason !== null && typeof statusReason !== 'string') throw badRequest('statusReason must be a string');
  const caps = body.capabilities;
  if (caps !== undefined && caps !== null && !isJsonObject(caps)) throw badRequest('capabilities must be an object');
  const iotEdge = isJsonObject(caps) ? caps.iotEdge : undefined;
  if (iotEdge !== undefined && typeof iotEdge !== 'boolean') throw badRequest('capabilities.iotEdge must be a boolean');
  return {
    ...(status === undefined ? {} : { status }),
    ...(typeof statusReason === 'string' ? { statusReason } : {}),
    ...(authentication === undefined ? {} : { authentication }),
    ...(iotEdge === undefined ? {} : { iotEdge }),
  };
}

function toCreate(deviceId: string, f: DeviceFields): DeviceCreate {
  return { deviceId, ...f };
}

/** Update fields: SAS without keys keeps the device's current keys (the registry needs both for a replacement). */
function toUpdate(gateway: IotHubGateway, deviceId: string, f: DeviceFields): DeviceUpdate {
  const { authentication, ...rest } = f;
  if (authentication === undefined) return rest;
  if (authentication.type !== 'sas') return { ...rest, authentication };
  const current = gateway.registry.record(deviceId).authentication;
  const primaryKey = authentication.primaryKey ?? (current.type === 'sas' ? current.primaryKey : undefined);
  const secondaryKey = authentication.secondaryKey ?? (current.type === 'sas' ? current.secondaryKey : undefined);
  if (primaryKey === undefined || secondaryKey === undefined) throw badRequest('Changing to sas authentication needs both symmetric keys');
  return { ...rest, authentication: { type: 'sas', primaryKey, secondaryKey } };
}

type ImportMode = 'create' | 'update' | 'updateIfMatchETag' | 'delete' | 'deleteIfMatchETag';
const IMPORT_MODES: readonly string[] = ['create', 'update', 'updateIfMatchETag', 'delete', 'deleteIfMatchETag'];

export interface BulkError {
  deviceId: string;
  /** The error's name, as the REST API's DeviceRegistryOperationError carries it (e.g. "DeviceAlreadyExists"). */
  errorCode: string;
  errorStatus: string;
  operation: ImportMode;
}

function bulk(gateway: IotHubGateway, items: unknown[]): { isSuccessful: boolean; errors: BulkError[]; warnings: never[] } {
  // Shape and duplicates are checked for the whole request first: a malformed request changes nothing.
  const seen = new Set<string>();
  const ops: { deviceId: string; mode: ImportMode; fields: DeviceFields; eTag: string | undefined; dup: boolean }[] = [];
  items.forEach((item, i) => {
    if (!isJsonObject(item)) throw badRequest(`devices[${i}] must be an object`);
    const deviceId = item.id;
    if (typeof deviceId !== 'string' || deviceId === '') throw badRequest(`devices[${i}].id is required`);
    const mode = item.importMode;
    if (typeof mode !== 'string' || !IMPORT_MODES.includes(mode)) {
      throw badRequest(`devices[${i}].importMode must be one of ${IMPORT_MODES.join(', ')}`);
    }
    const eTag = item.eTag ?? item.etag;
    if (eTag !== undefined && eTag !== null && typeof eTag !== 'string') throw badRequest(`devices[${i}].eTag must be a string`);
    ops.push({ deviceId, mode: mode as ImportMode, fields: parseDeviceFields(item), eTag: typeof eTag === 'string' ? eTag : undefined, dup: seen.has(deviceId) });
    seen.add(deviceId);
  });
  const errors: BulkError[] = [];
  for (const op of ops) {
    try {
      if (op.dup) throw new IotHubError('DeviceDefinedMultipleTimes', `Device ${op.deviceId} is defined more than once in the request`);
      const needsEtag = op.mode === 'updateIfMatchETag' || op.mode === 'deleteIfMatchETag';
      if (needsEtag && op.eTag === undefined) throw badRequest(`importMode ${op.mode} needs eTag`);
      const ifMatch = needsEtag ? (op.eTag as string) : '*';
      switch (op.mode) {
        case 'create':
          gateway.registry.create(toCreate(op.deviceId, op.fields));
          break;
        case 'update':
        case 'updateIfMatchETag':
          gateway.registry.update(op.deviceId, toUpdate(gateway, op.deviceId, op.fields), ifMatch);
          break;
        case 'delete':
        case 'deleteIfMatchETag':
          deleteDevice(gateway, op.deviceId, ifMatch);
          break;
      }
    } catch (err) {
      const e = toApiError(err);
      if (e.status >= 500) throw err;
      errors.push({ deviceId: op.deviceId, errorCode: e.errorName, errorStatus: e.message, operation: op.mode });
    }
  }
  return { isSuccessful: errors.length === 0, errors, warnings: [] };
}

export function deviceRoutes(router: Router, gateway: IotHubGateway): void {
  router.add('PUT', '/devices/{id}', async ({ req, res, params }) => {
    const deviceId = params.id as string;
    const body = await readJson(req);
    if (!isJsonObject(body)) throw badRequest('Device body must be a JSON object');
    if (body.deviceId !== undefined && body.deviceId !== deviceId) {
      throw badRequest(`deviceId in the body (${JSON.stringify(body.deviceId)}) does not match the path (${deviceId})`);
    }
    const fields = parseDeviceFields(body);
    const ifMatch = header(req, 'if-match');
    // IoT Hub's create is a PUT without If-Match (409001 when the id is taken); an update carries If-Match.
    const identity =
      ifMatch === undefined
        ? gateway.registry.create(toCreate(deviceId, fields))
        : gateway.registry.update(deviceId, toUpdate(gateway, deviceId, fields), ifMatch);
    sendJson(res, 200, identity, etagHeader(identity.etag));
  });

  router.add('GET', '/devices/{id}', async ({ res, params }) => {
    const identity = gateway.registry.get(params.id as string);
    sendJson(res, 200, identity, etagHeader(identity.etag));
  });

  router.add('DELETE', '/devices/{id}', async ({ req, res, params }) => {
    deleteDevice(gateway, params.id as string, header(req, 'if-match') ?? '*');
    sendNoContent(res);
  });

  router.add('GET', '/devices', async ({ res, query }) => {
    const raw = query.get('top');
    let top = MAX_TOP;
    if (raw !== null) {
      top = Number(raw);
      if (!/^\d+$/.test(raw) || top < 1 || top > MAX_TOP) throw badRequest(`top must be an integer from 1 to ${MAX_TOP}, got ${JSON.stringify(raw)}`);
    }
    sendJson(res, 200, gateway.registry.list(top));
  });

  router.add('GET', '/statistics/devices', async ({ res }) => {
    sendJson(res, 200, gateway.registry.statistics());
  });

  router.add('POST', '/devices', async ({ req, res }) => {
    const body = await readJson(req);
    if (!Array.isArray(body)) throw badRequest('Bulk registry body must be a JSON array of ExportImportDevice objects');
    if (body.length === 0) throw badRequest('Bulk registry request has no devices');
    if (body.length > MAX_BULK_DEVICES) {
      throw badRequest(`Bulk registry request has ${body.length} devices; the maximum is ${MAX_BULK_DEVICES} per call`);
    }
    sendJson(res, 200, bulk(gateway, body));
  });
}
