/**
 * Service operations composed from IotHubGateway's public members. Each is a candidate for a method on the gateway
 * itself (see the notes); until then they live here so the gateway file stays untouched.
 */
import type { IotHubGateway } from '../iothub-gateway.js';
import { C2D_DEFAULTS } from '../iothub/c2d-queue.js';
import { IotHubError } from '../iothub/errors.js';
import { type JsonObject, type JsonValue, cloneJson, isJsonObject, jsonEqual, normalizeEtag } from '../iothub/json.js';
import type { FullTwin } from '../iothub/twin.js';
import { checkSectionSize, twinSize, validateTwinPatch } from '../iothub/twin-limits.js';

/**
 * Delete a device: identity (If-Match, `*` = unconditional), twin and C2D queue.
 * Would become `IotHubGateway.deleteDevice(id, ifMatch)`, which should also close the device's live connection
 * (IoT Hub drops it; the session table is private, so here the connection stays up until it next fails).
 *
 * A C2D message in flight (delivered, awaiting its PUBACK) cannot be dropped from outside: the gateway's ack hook
 * completes it by lock token and does not catch 412002 when the lock is gone. So the queue is dropped at once when
 * nothing is in flight, otherwise as soon as the locks settle (checked every second, up to the lock timeout), unless
 * a device with the same id has been created again meanwhile.
 */
export function deleteDevice(gateway: IotHubGateway, deviceId: string, ifMatch = '*'): void {
  gateway.registry.delete(deviceId, ifMatch);
  gateway.twins.delete(deviceId);
  dropC2dQueue(gateway, deviceId, Math.ceil(C2D_DEFAULTS.lockTimeoutMs / 1000) + 1);
}

function dropC2dQueue(gateway: IotHubGateway, deviceId: string, triesLeft: number): void {
  if (gateway.registry.has(deviceId)) return; // re-created: the queue is the new device's now
  const inFlight = gateway.c2d.peek(deviceId).some((m) => m.lockToken !== undefined);
  if (!inFlight || triesLeft <= 0) {
    if (!inFlight) gateway.c2d.deleteDevice(deviceId);
    return;
  }
  setTimeout(() => dropC2dQueue(gateway, deviceId, triesLeft - 1), 1000).unref();
}

/** 412001 unless `ifMatch` (twin etag, quotes tolerated) is the twin's current etag or `*`; absent = unconditional. */
function checkTwinEtag(gateway: IotHubGateway, deviceId: string, ifMatch: string | undefined): void {
  const { etag } = gateway.twins.versionOf(deviceId); // 404001 first
  if (ifMatch === undefined) return;
  const want = normalizeEtag(ifMatch);
  if (want !== '*' && want !== etag) {
    throw new IotHubError('PreconditionFailed', `Precondition failed: twin of ${deviceId} has etag ${etag}, If-Match was ${want}`);
  }
}

/** The desired document without `$metadata` / `$version`. */
function desiredDoc(twin: FullTwin): JsonObject {
  const { $metadata: _m, $version: _v, ...doc } = twin.properties.desired;
  return doc;
}

/** RFC 7386 merge of `patch` into a copy of `target` (null deletes). */
function merged(target: JsonObject, patch: JsonObject): JsonObject {
  const out = cloneJson(target);
  const into = (t: JsonObject, p: JsonObject) => {
    for (const [k, v] of Object.entries(p)) {
      if (v === null) delete t[k];
      else if (isJsonObject(v)) {
        const sub = t[k];
        const obj: JsonObject = isJsonObject(sub) ? sub : {};
        t[k] = obj;
        into(obj, v);
      } else t[k] = cloneJson(v);
    }
  };
  into(out, patch);
  return out;
}

/** The merge patch that turns `from` into `to` (removed keys → null, nested objects diffed). Empty when equal. */
export function diffPatch(from: JsonObject, to: JsonObject): JsonObject {
  const patch: JsonObject = {};
  for (const k of Object.keys(from)) if (!Object.hasOwn(to, k)) patch[k] = null;
  for (const [k, v] of Object.entries(to)) {
    const old: JsonValue | undefined = from[k];
    if (isJsonObject(v) && isJsonObject(old)) {
      const sub = diffPatch(old, v);
      if (Object.keys(sub).length > 0) patch[k] = sub;
    } else if (old === undefined || !jsonEqual(old, v)) patch[k] = cloneJson(v);
  }
  return patch;
}

/**
 * `PATCH /twins/{id}`: tags and desired merged in one step, everything validated before anything changes; a desired
 * change goes through `gateway.updateDesired`, so a connected, subscribed device gets the patch at once.
 * Would become `IotHubGateway.patchTwin(id, patch, ifMatch)` over `TwinStore.patchTwin` + the private push.
 */
export function patchTwin(gateway: IotHubGateway, deviceId: string, patch: { tags?: JsonObject; desired?: JsonObject }, ifMatch: string | undefined): FullTwin {
  checkTwinEtag(gateway, deviceId, ifMatch);
  const before = gateway.twins.fullTwin(deviceId);
  if (patch.tags !== undefined) {
    validateTwinPatch('tags', patch.tags, true);
    checkSectionSize('tags', twinSize(before.tags), twinSize(merged(before.tags, patch.tags)));
  }
  if (patch.desired !== undefined) {
    validateTwinPatch('desired', patch.desired, true);
    const doc = desiredDoc(before);
    checkSectionSize('desired', twinSize(doc), twinSize(merged(doc, patch.desired)));
    gateway.updateDesired(deviceId, patch.desired);
  }
  if (patch.tags !== undefined) gateway.twins.patchTags(deviceId, patch.tags);
  return gateway.twins.fullTwin(deviceId);
}

/**
 * `PUT /twins/{id}`: replace tags and/or desired (an omitted section is left as it is). The desired replacement is
 * applied as the merge patch from the old document to the new one, which is also what the device receives.
 * Would become `IotHubGateway.replaceTwin(id, twin, ifMatch)` (with a `TwinStore.replaceDesired`).
 */
export function replaceTwin(gateway: IotHubGateway, deviceId: string, twin: { tags?: JsonObject; desired?: JsonObject }, ifMatch: string | undefined): FullTwin {
  checkTwinEtag(gateway, deviceId, ifMatch);
  const before = gateway.twins.fullTwin(deviceId);
  if (twin.tags !== undefined) {
    validateTwinPatch('tags', twin.tags, false);
    checkSectionSize('tags', twinSize(before.tags), twinSize(twin.tags));
  }
  let desiredPatch: JsonObject | undefined;
  if (twin.desired !== undefined) {
    validateTwinPatch('desired', twin.desired, false);
    const doc = desiredDoc(before);
    checkSectionSize('desired', twinSize(doc), twinSize(twin.desired));
    desiredPatch = diffPatch(doc, twin.desired);
  }
  if (desiredPatch !== undefined && Object.keys(desiredPatch).length > 0) gateway.updateDesired(deviceId, desiredPatch);
  if (twin.tags !== undefined) gateway.twins.replaceTags(deviceId, twin.tags);
  return gateway.twins.fullTwin(deviceId);
}
