import { randomBytes } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import { IotHubError } from './errors.js';
import { NEVER_ISO, isoMs, normalizeEtag } from './json.js';

/** Device authentication as the registry stores it. */
export type DeviceAuthentication =
  | { type: 'sas'; primaryKey: string; secondaryKey: string }
  | { type: 'selfSigned'; primaryThumbprint: string; secondaryThumbprint?: string }
  | { type: 'certificateAuthority' };

export type DeviceStatus = 'enabled' | 'disabled';
export type ConnectionState = 'Connected' | 'Disconnected';

/** What a caller gives to create a device. SAS keys are generated (one crypto call each) only when omitted. */
export interface DeviceCreate {
  deviceId: string;
  status?: DeviceStatus;
  statusReason?: string;
  /** Default: SAS with generated keys. `{ type: 'sas' }` without keys also generates them. */
  authentication?: DeviceAuthentication | { type: 'sas'; primaryKey?: string; secondaryKey?: string };
  modelId?: string;
  iotEdge?: boolean;
}

/** Replaceable fields of an existing device (PUT semantics: omitted fields keep their value). */
export interface DeviceUpdate {
  status?: DeviceStatus;
  statusReason?: string | null;
  authentication?: DeviceAuthentication;
  modelId?: string;
  iotEdge?: boolean;
}

/** Internal record of one identity. Keyed by deviceId; modules will be keyed `deviceId/moduleId` (see identityKey). */
export interface DeviceRecord {
  readonly deviceId: string;
  /** Reserved for module identities; never set for devices yet. */
  readonly moduleId?: string;
  readonly generationId: string;
  /** When the identity was created (the twin's first $lastUpdated). */
  readonly createdMs: number;
  etag: string;
  status: DeviceStatus;
  statusReason: string | null;
  statusUpdatedMs: number | undefined;
  connectionState: ConnectionState;
  connectionStateUpdatedMs: number | undefined;
  lastActivityMs: number | undefined;
  cloudToDeviceMessageCount: number;
  authentication: DeviceAuthentication;
  modelId: string;
  iotEdge: boolean;
}

/** The service API's device identity JSON ("Devices - Get Identity"). */
export interface DeviceIdentityJson {
  deviceId: string;
  generationId: string;
  etag: string;
  connectionState: ConnectionState;
  status: DeviceStatus;
  statusReason: string | null;
  connectionStateUpdatedTime: string;
  statusUpdatedTime: string;
  lastActivityTime: string;
  cloudToDeviceMessageCount: number;
  authentication: {
    symmetricKey: { primaryKey: string | null; secondaryKey: string | null };
    x509Thumbprint: { primaryThumbprint: string | null; secondaryThumbprint: string | null };
    type: DeviceAuthentication['type'];
  };
  capabilities: { iotEdge: boolean };
}

/** Result of a bulk create, shaped like the service's BulkRegistryOperationResult. */
export interface BulkCreateResult {
  isSuccessful: boolean;
  errors: { deviceId: string; errorCode: number; errorStatus: string }[];
  warnings: never[];
  created: number;
}

/** Registry statistics, shaped like `GET /statistics/devices`. */
export interface RegistryStatistics {
  totalDeviceCount: number;
  enabledDeviceCount: number;
  disabledDeviceCount: number;
}

export interface DeviceRegistryOptions {
  clock: Clock;
  /** Generates one base64 symmetric key (default: 32 random bytes). Called only for devices created without keys. */
  generateKey?: () => string;
}

export const MAX_DEVICE_ID_LENGTH = 128;
const DEVICE_ID_RE = /^[A-Za-z0-9\-.%_*?!(),:=@$']+$/;
/** Base64 of 16..64 bytes (IoT Hub's symmetric key bounds): 24..88 chars. */
const KEY_RE = /^[A-Za-z0-9+/]{22,86}={0,2}$/;

/** Identity map key: `deviceId` for devices, `deviceId/moduleId` for modules ('/' is not a legal id character). */
export function identityKey(deviceId: string, moduleId?: string): string {
  return moduleId === undefined ? deviceId : `${deviceId}/${moduleId}`;
}

/** Null when `id` is a legal device id (≤128 ASCII letters, digits and - . % _ * ? ! ( ) , : = @ $ '), else why not. */
export function deviceIdProblem(id: unknown): string | null {
  if (typeof id !== 'string' || id.length === 0) return 'DeviceId is required';
  if (id.length > MAX_DEVICE_ID_LENGTH) return `DeviceId is longer than ${MAX_DEVICE_ID_LENGTH} characters`;
  if (!DEVICE_ID_RE.test(id)) {
    const bad = [...id].find((c) => !DEVICE_ID_RE.test(c)) ?? '';
    return `DeviceId contains an invalid character ${JSON.stringify(bad)}; allowed: ASCII letters, digits and - . % _ * ? ! ( ) , : = @ $ '`;
  }
  return null;
}

function keyLengthOk(key: string): boolean {
  if (!KEY_RE.test(key) || key.length % 4 !== 0) return false;
  const bytes = (key.length / 4) * 3 - (key.endsWith('==') ? 2 : key.endsWith('=') ? 1 : 0);
  return bytes >= 16 && bytes <= 64;
}

/**
 * The identity registry: device identities with IoT Hub's validation, etags (If-Match semantics) and the
 * service API JSON shape. Connection state, activity and the C2D count are fed in by the other layers.
 */
export class DeviceRegistry {
  private readonly clock: Clock;
  private readonly generateKey: () => string;
  private readonly devices = new Map<string, DeviceRecord>();
  private seq = 0;

  constructor(options: DeviceRegistryOptions) {
    this.clock = options.clock;
    this.generateKey = options.generateKey ?? (() => randomBytes(32).toString('base64'));
  }

  /** Create one device; 409001 if it exists, 400004 on a bad id or key. */
  create(input: DeviceCreate): DeviceIdentityJson {
    const rec = this.build(input);
    if (this.devices.has(rec.deviceId)) throw alreadyExists(rec.deviceId);
    this.devices.set(rec.deviceId, rec);
    return toIdentityJson(rec);
  }

  /**
   * Create many devices at once (fleet start-up). Each failure is reported per device (duplicates in the registry
   * 409001, twice in the list 400011, invalid 400004) and the rest are created. No 100-per-call limit: this is the
   * emulator's own loader, not the REST bulk endpoint.
   */
  createMany(inputs: Iterable<DeviceCreate>): BulkCreateResult {
    const errors: BulkCreateResult['errors'] = [];
    const seen = new Set<string>();
    let created = 0;
    for (const input of inputs) {
      try {
        if (seen.has(input.deviceId)) {
          throw new IotHubError('DeviceDefinedMultipleTimes', `Device ${input.deviceId} is defined more than once`);
        }
        seen.add(input.deviceId);
        const rec = this.build(input);
        if (this.devices.has(rec.deviceId)) throw alreadyExists(rec.deviceId);
        this.devices.set(rec.deviceId, rec);
        created++;
      } catch (err) {
        if (!(err instanceof IotHubError)) throw err;
        errors.push({ deviceId: String(input.deviceId), errorCode: err.errorCode, errorStatus: err.message });
      }
    }
    return { isSuccessful: errors.length === 0, errors, warnings: [], created };
  }

  /** The device's identity JSON; 404001 if unknown. */
  get(deviceId: string): DeviceIdentityJson {
    return toIdentityJson(this.record(deviceId));
  }

  /** The device's identity JSON, or undefined. */
  find(deviceId: string): DeviceIdentityJson | undefined {
    const rec = this.devices.get(deviceId);
    return rec === undefined ? undefined : toIdentityJson(rec);
  }

  /** True if the device is registered. */
  has(deviceId: string): boolean {
    return this.devices.has(deviceId);
  }

  /** The live record, or undefined (read-only use: the twin store's identity view). */
  lookup(deviceId: string): Readonly<DeviceRecord> | undefined {
    return this.devices.get(deviceId);
  }

  /** The live record (read-only use: twin view, SAS verification). 404001 if unknown. */
  record(deviceId: string): Readonly<DeviceRecord> {
    const rec = this.devices.get(deviceId);
    if (rec === undefined) throw notFound(deviceId);
    return rec;
  }

  /**
   * Update with If-Match semantics: `ifMatch` is the etag the caller last saw (quotes tolerated) or `*` to force;
   * 412001 on mismatch, 404001 if unknown, 400004 on a bad key. A new etag is issued.
   */
  update(deviceId: string, changes: DeviceUpdate, ifMatch: string): DeviceIdentityJson {
    const rec = this.record(deviceId) as DeviceRecord;
    checkEtag(rec.etag, ifMatch, deviceId);
    const now = this.clock.now();
    if (changes.authentication !== undefined) rec.authentication = validateAuth(changes.authentication, deviceId);
    if (changes.status !== undefined && changes.status !== rec.status) {
      rec.status = checkStatus(changes.status);
      rec.statusUpdatedMs = now;
    }
    if (changes.statusReason !== undefined) rec.statusReason = changes.statusReason;
    if (changes.modelId !== undefined) rec.modelId = changes.modelId;
    if (changes.iotEdge !== undefined) rec.iotEdge = changes.iotEdge;
    rec.etag = this.nextEtag();
    return toIdentityJson(rec);
  }

  /** Delete with If-Match (`*` = unconditional); 404001 if unknown, 412001 on etag mismatch. */
  delete(deviceId: string, ifMatch = '*'): void {
    const rec = this.record(deviceId);
    checkEtag(rec.etag, ifMatch, deviceId);
    this.devices.delete(deviceId);
  }

  /** All identities, in creation order (optionally the first `top`). */
  list(top?: number): DeviceIdentityJson[] {
    const out: DeviceIdentityJson[] = [];
    for (const rec of this.devices.values()) {
      if (top !== undefined && out.length >= top) break;
      out.push(toIdentityJson(rec));
    }
    return out;
  }

  /** Device ids in creation order. */
  ids(): IterableIterator<string> {
    return this.devices.keys();
  }

  /** Number of registered devices. */
  count(): number {
    return this.devices.size;
  }

  /** Total / enabled / disabled counts. */
  statistics(): RegistryStatistics {
    let enabled = 0;
    for (const rec of this.devices.values()) if (rec.status === 'enabled') enabled++;
    return { totalDeviceCount: this.devices.size, enabledDeviceCount: enabled, disabledDeviceCount: this.devices.size - enabled };
  }

  /** Record a connect/disconnect (from the ConnectionTable). Does not change the etag (as on IoT Hub). */
  setConnectionState(deviceId: string, state: ConnectionState, atMs = this.clock.now()): void {
    const rec = this.devices.get(deviceId);
    if (rec === undefined || rec.connectionState === state) return;
    rec.connectionState = state;
    rec.connectionStateUpdatedMs = atMs;
  }

  /** Record device activity (any traffic). */
  touch(deviceId: string, atMs = this.clock.now()): void {
    const rec = this.devices.get(deviceId);
    if (rec !== undefined) rec.lastActivityMs = atMs;
  }

  /** Record the pending C2D message count (from the C2D queues). */
  setCloudToDeviceMessageCount(deviceId: string, n: number): void {
    const rec = this.devices.get(deviceId);
    if (rec !== undefined) rec.cloudToDeviceMessageCount = n;
  }

  private build(input: DeviceCreate): DeviceRecord {
    const problem = deviceIdProblem(input.deviceId);
    if (problem !== null) throw new IotHubError('ArgumentInvalid', problem);
    const auth = input.authentication ?? { type: 'sas' };
    const authentication =
      auth.type === 'sas'
        ? validateAuth(
            { type: 'sas', primaryKey: auth.primaryKey ?? this.generateKey(), secondaryKey: auth.secondaryKey ?? this.generateKey() },
            input.deviceId,
          )
        : validateAuth(auth, input.deviceId);
    const now = this.clock.now();
    this.seq++;
    return {
      deviceId: input.deviceId,
      // Real generation ids are 18-digit numbers; a counter keeps them unique and deterministic.
      generationId: String(638_000_000_000_000_000n + BigInt(this.seq)),
      createdMs: now,
      etag: this.nextEtag(),
      status: checkStatus(input.status ?? 'enabled'),
      statusReason: input.statusReason ?? null,
      statusUpdatedMs: input.status === 'disabled' ? now : undefined,
      connectionState: 'Disconnected',
      connectionStateUpdatedMs: undefined,
      lastActivityMs: undefined,
      cloudToDeviceMessageCount: 0,
      authentication,
      modelId: input.modelId ?? '',
      iotEdge: input.iotEdge ?? false,
    };
  }

  private etagSeq = 0;
  private nextEtag(): string {
    return Buffer.from(String(++this.etagSeq)).toString('base64');
  }
}

function checkStatus(s: DeviceStatus): DeviceStatus {
  if (s !== 'enabled' && s !== 'disabled') throw new IotHubError('ArgumentInvalid', `Invalid status ${JSON.stringify(s)}; expected enabled or disabled`);
  return s;
}

function validateAuth(auth: DeviceAuthentication, deviceId: string): DeviceAuthentication {
  switch (auth.type) {
    case 'sas':
      for (const [name, key] of [['primary', auth.primaryKey], ['secondary', auth.secondaryKey]] as const) {
        if (!keyLengthOk(key)) {
          throw new IotHubError('ArgumentInvalid', `The ${name} key of device ${deviceId} must be base64 of 16 to 64 bytes`);
        }
      }
      return { type: 'sas', primaryKey: auth.primaryKey, secondaryKey: auth.secondaryKey };
    case 'selfSigned': {
      const ok = (t: string) => /^[0-9A-Fa-f]{40}$|^[0-9A-Fa-f]{64}$/.test(t);
      if (!ok(auth.primaryThumbprint) || (auth.secondaryThumbprint !== undefined && !ok(auth.secondaryThumbprint))) {
        throw new IotHubError('ArgumentInvalid', `X.509 thumbprints of device ${deviceId} must be 40 (SHA-1) or 64 (SHA-256) hex digits`);
      }
      return auth.secondaryThumbprint === undefined
        ? { type: 'selfSigned', primaryThumbprint: auth.primaryThumbprint.toUpperCase() }
        : { type: 'selfSigned', primaryThumbprint: auth.primaryThumbprint.toUpperCase(), secondaryThumbprint: auth.secondaryThumbprint.toUpperCase() };
    }
    case 'certificateAuthority':
      return { type: 'certificateAuthority' };
    default:
      throw new IotHubError('ArgumentInvalid', `Unknown authentication type for device ${deviceId}`);
  }
}

function checkEtag(current: string, ifMatch: string, deviceId: string): void {
  const want = normalizeEtag(ifMatch);
  if (want !== '*' && want !== current) {
    throw new IotHubError('PreconditionFailed', `Precondition failed: device ${deviceId} has etag ${current}, If-Match was ${want}`);
  }
}

function alreadyExists(deviceId: string): IotHubError {
  return new IotHubError('DeviceAlreadyExists', `A device with ID '${deviceId}' is already registered.`);
}

/** 404001 for an unknown device id. */
export function notFound(deviceId: string): IotHubError {
  return new IotHubError('DeviceNotFound', `Device ${deviceId} not registered`);
}

function toIdentityJson(rec: DeviceRecord): DeviceIdentityJson {
  const a = rec.authentication;
  return {
    deviceId: rec.deviceId,
    generationId: rec.generationId,
    etag: rec.etag,
    connectionState: rec.connectionState,
    status: rec.status,
    statusReason: rec.statusReason,
    connectionStateUpdatedTime: rec.connectionStateUpdatedMs === undefined ? NEVER_ISO : isoMs(rec.connectionStateUpdatedMs),
    statusUpdatedTime: rec.statusUpdatedMs === undefined ? NEVER_ISO : isoMs(rec.statusUpdatedMs),
    lastActivityTime: rec.lastActivityMs === undefined ? NEVER_ISO : isoMs(rec.lastActivityMs),
    cloudToDeviceMessageCount: rec.cloudToDeviceMessageCount,
    authentication: {
      symmetricKey: a.type === 'sas' ? { primaryKey: a.primaryKey, secondaryKey: a.secondaryKey } : { primaryKey: null, secondaryKey: null },
      x509Thumbprint:
        a.type === 'selfSigned'
          ? { primaryThumbprint: a.primaryThumbprint, secondaryThumbprint: a.secondaryThumbprint ?? null }
          : { primaryThumbprint: null, secondaryThumbprint: null },
      type: a.type,
    },
    capabilities: { iotEdge: rec.iotEdge },
  };
}
