import type { Clock } from '../../core/clock.js';
import { IotHubError } from './errors.js';
import { type JsonObject, type JsonValue, NEVER_ISO, cloneJson, isJsonObject, isoMs, normalizeEtag, versionEtag } from './json.js';
import { type DeviceRecord, notFound } from './registry.js';
import { type TwinSection, checkSectionSize, twinSize, validateTwinPatch } from './twin-limits.js';

/** What the twin store needs from the registry (DeviceRegistry satisfies it). */
export interface TwinIdentitySource {
  lookup(deviceId: string): Readonly<DeviceRecord> | undefined;
  ids(): Iterable<string>;
}

/** Device-side GET view (§2.4): no tags, no $metadata. */
export interface DeviceTwinView {
  desired: JsonObject & { $version: number };
  reported: JsonObject & { $version: number };
}

/** Full service-side twin (root identity props, tags, properties with $metadata and $version). */
export interface FullTwin {
  deviceId: string;
  etag: string;
  deviceEtag: string;
  status: DeviceRecord['status'];
  statusReason: string | null;
  statusUpdateTime: string;
  connectionState: DeviceRecord['connectionState'];
  lastActivityTime: string;
  cloudToDeviceMessageCount: number;
  authenticationType: DeviceRecord['authentication']['type'];
  x509Thumbprint: { primaryThumbprint: string | null; secondaryThumbprint: string | null };
  modelId: string;
  version: number;
  tags: JsonObject;
  properties: { desired: JsonObject; reported: JsonObject };
  capabilities: { iotEdge: boolean };
}

/** Result of a service-side desired update: the patch to push to the device (only while connected, §1.6). */
export interface DesiredUpdate {
  /** New twin version. */
  version: number;
  /** New desired $version. */
  desiredVersion: number;
  /** Body of `$iothub/twin/PATCH/properties/desired/?$version={n}`: the patch as given plus `$version`. */
  push: JsonObject & { $version: number };
}

/** A service-side twin PATCH (`PATCH /twins/{id}`). */
export interface TwinPatch {
  tags?: JsonObject;
  properties?: { desired?: JsonObject };
}

interface MetaNode {
  at: number;
  ver?: number;
  kids?: Map<string, MetaNode>;
}

interface Props {
  doc: JsonObject;
  meta: MetaNode;
  version: number;
}

interface TwinState {
  tags: JsonObject;
  desired: Props;
  reported: Props;
  version: number;
}

/**
 * Device twins: tags, desired and reported properties with $version and $metadata ($lastUpdated at every object
 * level, $lastUpdatedVersion on desired), the twin version and etag, JSON merge patches with IoT Hub's limits.
 * Twins are created lazily on first access (cheap for large fleets) and dropped with `delete`.
 */
export class TwinStore {
  private readonly clock: Clock;
  private readonly identities: TwinIdentitySource;
  private readonly twins = new Map<string, TwinState>();

  constructor(options: { clock: Clock; identities: TwinIdentitySource }) {
    this.clock = options.clock;
    this.identities = options.identities;
  }

  /** Device GET (`$iothub/twin/GET`): `{ desired: {…, $version}, reported: {…, $version} }`. 404001 if unknown. */
  deviceView(deviceId: string): DeviceTwinView {
    const t = this.state(deviceId);
    return {
      desired: { ...cloneJson(t.desired.doc), $version: t.desired.version },
      reported: { ...cloneJson(t.reported.doc), $version: t.reported.version },
    };
  }

  /**
   * Device reported PATCH (JSON merge patch, null deletes); returns the new reported $version. `ifVersion` (the
   * optional `$version` on the request topic) gives optimistic concurrency: 412001 when it is not the current one.
   * 400004 on a limit violation (nothing is changed).
   */
  patchReported(deviceId: string, patch: unknown, ifVersion?: number): number {
    const t = this.state(deviceId);
    if (ifVersion !== undefined && ifVersion !== t.reported.version) {
      throw new IotHubError('PreconditionFailed', `reported $version is ${t.reported.version}, request had ${ifVersion}`);
    }
    validateTwinPatch('reported', patch, true);
    const doc = mergedCopy('reported', t.reported.doc, patch);
    const version = t.reported.version + 1;
    mergeMeta(t.reported.meta, t.reported.doc, patch, this.clock.now(), undefined);
    t.reported.doc = doc;
    t.reported.version = version;
    t.version++;
    return version;
  }

  /** Service desired PATCH (merge); returns the push for the device. `ifMatch` = twin etag or `*`. */
  patchDesired(deviceId: string, patch: unknown, ifMatch?: string): DesiredUpdate {
    const t = this.state(deviceId);
    this.checkEtag(deviceId, t, ifMatch);
    validateTwinPatch('desired', patch, true);
    return this.applyDesired(t, patch, mergedCopy('desired', t.desired.doc, patch));
  }

  /** Service tags PATCH (merge). Returns the new twin version. */
  patchTags(deviceId: string, patch: unknown, ifMatch?: string): number {
    const t = this.state(deviceId);
    this.checkEtag(deviceId, t, ifMatch);
    validateTwinPatch('tags', patch, true);
    t.tags = mergedCopy('tags', t.tags, patch);
    return ++t.version;
  }

  /** Service tags replace (the tags part of `PUT /twins/{id}`). Returns the new twin version. */
  replaceTags(deviceId: string, tags: unknown, ifMatch?: string): number {
    const t = this.state(deviceId);
    this.checkEtag(deviceId, t, ifMatch);
    validateTwinPatch('tags', tags, false);
    checkSectionSize('tags', twinSize(t.tags), twinSize(tags));
    t.tags = cloneJson(tags);
    return ++t.version;
  }

  /**
   * Service twin PATCH: tags and/or desired in one step (all validated before anything changes). Returns the full
   * twin and, when desired changed, the push for the device.
   */
  patchTwin(deviceId: string, patch: TwinPatch, ifMatch?: string): { twin: FullTwin; desired?: DesiredUpdate } {
    const t = this.state(deviceId);
    this.checkEtag(deviceId, t, ifMatch);
    const desiredPatch = patch.properties?.desired;
    if (patch.tags !== undefined) validateTwinPatch('tags', patch.tags, true);
    if (desiredPatch !== undefined) validateTwinPatch('desired', desiredPatch, true);
    const tags = patch.tags === undefined ? undefined : mergedCopy('tags', t.tags, patch.tags);
    const desiredDoc = desiredPatch === undefined ? undefined : mergedCopy('desired', t.desired.doc, desiredPatch);
    if (tags !== undefined) {
      t.tags = tags;
      t.version++;
    }
    if (desiredPatch !== undefined && desiredDoc !== undefined) {
      const desired = this.applyDesired(t, desiredPatch, desiredDoc);
      return { twin: this.fullTwin(deviceId), desired };
    }
    return { twin: this.fullTwin(deviceId) };
  }

  /** The service view of a twin; 404001 if the device is unknown. */
  fullTwin(deviceId: string): FullTwin {
    const rec = this.identities.lookup(deviceId);
    if (rec === undefined) throw notFound(deviceId);
    return toFullTwin(rec, this.state(deviceId));
  }

  /** Full twins of every registered device (for queries), in registry order. */
  *allTwins(): IterableIterator<FullTwin> {
    for (const id of this.identities.ids()) {
      const rec = this.identities.lookup(id);
      if (rec !== undefined) yield toFullTwin(rec, this.state(id));
    }
  }

  /** Twin version and etag (for If-Match on the service API). */
  versionOf(deviceId: string): { version: number; etag: string } {
    const t = this.state(deviceId);
    return { version: t.version, etag: versionEtag(t.version) };
  }

  /** Drop a twin (device deleted). */
  delete(deviceId: string): void {
    this.twins.delete(deviceId);
  }

  private applyDesired(t: TwinState, patch: JsonObject, doc: JsonObject): DesiredUpdate {
    const version = t.desired.version + 1;
    mergeMeta(t.desired.meta, t.desired.doc, patch, this.clock.now(), version);
    t.desired.doc = doc;
    t.desired.version = version;
    t.version++;
    return { version: t.version, desiredVersion: version, push: { ...cloneJson(patch), $version: version } };
  }

  private checkEtag(deviceId: string, t: TwinState, ifMatch: string | undefined): void {
    if (ifMatch === undefined) return;
    const want = normalizeEtag(ifMatch);
    const have = versionEtag(t.version);
    if (want !== '*' && want !== have) {
      throw new IotHubError('PreconditionFailed', `Precondition failed: twin of ${deviceId} has etag ${have}, If-Match was ${want}`);
    }
  }

  private state(deviceId: string): TwinState {
    let t = this.twins.get(deviceId);
    if (t !== undefined) return t;
    const rec = this.identities.lookup(deviceId);
    if (rec === undefined) throw notFound(deviceId);
    const at = rec.createdMs;
    t = {
      tags: {},
      desired: { doc: {}, meta: { at, ver: 1 }, version: 1 },
      reported: { doc: {}, meta: { at }, version: 1 },
      version: 1,
    };
    this.twins.set(deviceId, t);
    return t;
  }
}

/** RFC 7386 merge of `patch` into a copy of `target`, with the section's size check. */
function mergedCopy(section: TwinSection, target: JsonObject, patch: JsonObject): JsonObject {
  const out = cloneJson(target);
  mergeInto(out, patch);
  checkSectionSize(section, twinSize(target), twinSize(out));
  return out;
}

function mergeInto(target: JsonObject, patch: JsonObject): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) {
      delete target[k];
    } else if (isJsonObject(v)) {
      let sub = target[k];
      if (!isJsonObject(sub)) {
        sub = {};
        target[k] = sub;
      }
      mergeInto(sub, v);
    } else {
      target[k] = cloneJson(v);
    }
  }
}

/** Update metadata for a patch applied to `before` (the document before the merge): touched nodes get `now`. */
function mergeMeta(meta: MetaNode, before: JsonObject, patch: JsonObject, now: number, ver: number | undefined): void {
  meta.at = now;
  if (ver !== undefined) meta.ver = ver;
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) {
      meta.kids?.delete(k);
      continue;
    }
    meta.kids ??= new Map();
    const prev = before[k];
    if (isJsonObject(v)) {
      let kid = meta.kids.get(k);
      if (kid === undefined || !isJsonObject(prev)) {
        kid = { at: now };
        meta.kids.set(k, kid);
      }
      mergeMeta(kid, isJsonObject(prev) ? prev : {}, v, now, ver);
    } else {
      meta.kids.set(k, ver === undefined ? { at: now } : { at: now, ver });
    }
  }
}

function metaJson(meta: MetaNode | undefined, doc: JsonValue | undefined, fallbackAt: number): JsonObject {
  const at = meta?.at ?? fallbackAt;
  const out: JsonObject = { $lastUpdated: isoMs(at) };
  if (meta?.ver !== undefined) out.$lastUpdatedVersion = meta.ver;
  if (isJsonObject(doc)) {
    for (const [k, v] of Object.entries(doc)) out[k] = metaJson(meta?.kids?.get(k), v, at);
  }
  return out;
}

function propsJson(p: Props): JsonObject {
  return { ...cloneJson(p.doc), $metadata: metaJson(p.meta, p.doc, p.meta.at), $version: p.version };
}

function toFullTwin(rec: Readonly<DeviceRecord>, t: TwinState): FullTwin {
  const a = rec.authentication;
  return {
    deviceId: rec.deviceId,
    etag: versionEtag(t.version),
    deviceEtag: rec.etag,
    status: rec.status,
    statusReason: rec.statusReason,
    statusUpdateTime: rec.statusUpdatedMs === undefined ? NEVER_ISO : isoMs(rec.statusUpdatedMs),
    connectionState: rec.connectionState,
    lastActivityTime: rec.lastActivityMs === undefined ? NEVER_ISO : isoMs(rec.lastActivityMs),
    cloudToDeviceMessageCount: rec.cloudToDeviceMessageCount,
    authenticationType: a.type,
    x509Thumbprint:
      a.type === 'selfSigned'
        ? { primaryThumbprint: a.primaryThumbprint, secondaryThumbprint: a.secondaryThumbprint ?? null }
        : { primaryThumbprint: null, secondaryThumbprint: null },
    modelId: rec.modelId,
    version: t.version,
    tags: cloneJson(t.tags),
    properties: { desired: propsJson(t.desired), reported: propsJson(t.reported) },
    capabilities: { iotEdge: rec.iotEdge },
  };
}
