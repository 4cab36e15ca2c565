/**
 * DPS registration records (the service's DeviceRegistrationState, reference §3): one per registration id, kept
 * across re-registrations (createdDateTimeUtc stays, lastUpdatedDateTimeUtc and the etag move). Pure: time injected.
 */
import type { Clock } from '../../core/clock.js';
import { type JsonValue, isoMs } from '../iothub/json.js';

export type RegistrationStatus = 'assigned' | 'failed' | 'disabled';
export type RegistrationSubstatus = 'initialAssignment' | 'deviceDataMigrated' | 'deviceDataReset' | 'reprovisionedToInitialAssignment';

/** The registrationState JSON DPS returns (field order as the service prints it). */
export interface RegistrationState {
  registrationId: string;
  createdDateTimeUtc: string;
  assignedHub?: string;
  deviceId?: string;
  status: RegistrationStatus;
  substatus?: RegistrationSubstatus;
  errorCode?: number;
  errorMessage?: string;
  lastUpdatedDateTimeUtc: string;
  etag: string;
  payload?: JsonValue;
}

export interface RegistrationOutcome {
  readonly registrationId: string;
  readonly payload: JsonValue | undefined;
}

export class Registrations {
  private readonly records = new Map<string, RegistrationState>();
  private seq = 0;

  constructor(private readonly clock: Clock) {}

  get(registrationId: string): RegistrationState | undefined {
    const r = this.records.get(registrationId);
    return r === undefined ? undefined : structuredClone(r);
  }

  /** All records, in first-registration order. */
  list(): RegistrationState[] {
    return [...this.records.values()].map((r) => structuredClone(r));
  }

  get size(): number {
    return this.records.size;
  }

  /** The registration id was assigned to `assignedHub` as `deviceId` (a single hub: always initialAssignment). */
  assigned(o: RegistrationOutcome & { deviceId: string; assignedHub: string }): RegistrationState {
    return this.put(o, { assignedHub: o.assignedHub, deviceId: o.deviceId, status: 'assigned', substatus: 'initialAssignment' });
  }

  /** Assignment failed (the hub refused the device): status failed with the error, no hub. */
  failed(o: RegistrationOutcome & { errorCode: number; errorMessage: string }): RegistrationState {
    return this.put(o, { status: 'failed', errorCode: o.errorCode, errorMessage: o.errorMessage });
  }

  /** The enrollment was disabled: an existing record turns `disabled` (false when there is none). */
  disable(registrationId: string): boolean {
    const r = this.records.get(registrationId);
    if (r === undefined) return false;
    r.status = 'disabled';
    r.lastUpdatedDateTimeUtc = isoMs(this.clock.now());
    r.etag = this.nextEtag();
    return true;
  }

  delete(registrationId: string): boolean {
    return this.records.delete(registrationId);
  }

  private put(o: RegistrationOutcome, fields: Omit<RegistrationState, 'registrationId' | 'createdDateTimeUtc' | 'lastUpdatedDateTimeUtc' | 'etag'>): RegistrationState {
    const now = isoMs(this.clock.now());
    const created = this.records.get(o.registrationId)?.createdDateTimeUtc ?? now;
    const r: RegistrationState = { registrationId: o.registrationId, createdDateTimeUtc: created, ...fields, lastUpdatedDateTimeUtc: now, etag: this.nextEtag() };
    if (o.payload !== undefined) r.payload = structuredClone(o.payload);
    this.records.set(o.registrationId, r);
    return structuredClone(r);
  }

  /** DPS etags are base64 of a quoted GUID-like string (`IjZkMDBm…` = `"6d00f…"`); ours count up. */
  private nextEtag(): string {
    const n = (++this.seq).toString(16).padStart(8, '0');
    return Buffer.from(`"${n}-0000-0000-0000-000000000000"`).toString('base64');
  }
}
