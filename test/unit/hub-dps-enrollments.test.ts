import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { Enrollments, Registrations, enrollmentName, isIdScope, isRegistrationId } from '../../src/hub/dps/index.js';
import { deriveDeviceKey } from '../../src/iothub/index.js';

const KEY = Buffer.from('0123456789abcdef0123456789abcdef').toString('base64');
const KEY2 = Buffer.from('fedcba9876543210fedcba9876543210').toString('base64');

describe('group key derivation', () => {
  it('matches the DPS documentation vector (HMAC-SHA256 of the registration id under the group key)', () => {
    const group = '8isrFI1sGsIlvvFSSFRiMfCNzv21fjbE/+ah/lSh3lF8e2YG1Te7w1KpZhJFFXJrqYKi9yegxkqIChbqOS9Egw==';
    expect(deriveDeviceKey(group, 'sn-007-888-abc-mac-a1-b2-c3-d4-e5-f6')).toBe('Jsm0lyGpjaVYVP2g3FnmnmG9dI/9qU24wNoykUmermc=');
  });
});

describe('Enrollments', () => {
  it('validates the ID scope, registration ids and keys', () => {
    expect(isIdScope('0ne0000F1EE')).toBe(true);
    expect(isIdScope('0ne0000f1ee')).toBe(false);
    expect(() => new Enrollments('scope')).toThrow(RangeError);
    expect(isRegistrationId('sim-device-0001')).toBe(true);
    expect(isRegistrationId('a/b')).toBe(false);
    expect(isRegistrationId('x'.repeat(129))).toBe(false);
    const e = new Enrollments('0ne0000F1EE');
    expect(() => e.addIndividual({ registrationId: 'd1', primaryKey: 'c2hvcnQ=' })).toThrow(/16 to 64 bytes/);
    expect(() => e.addIndividual({ registrationId: 'd1', primaryKey: 'not base64!' })).toThrow(RangeError);
    expect(() => e.addIndividual({ registrationId: 'bad/id', primaryKey: KEY })).toThrow(RangeError);
    expect(() => e.addGroup({ name: '', primaryKey: KEY })).toThrow(RangeError);
  });

  it('an individual enrollment defaults: secondary = primary, enabled, no fixed device id', () => {
    const e = new Enrollments('0ne0000F1EE');
    expect(e.addIndividual({ registrationId: 'd1', primaryKey: KEY })).toEqual({
      kind: 'individual', registrationId: 'd1', primaryKey: KEY, secondaryKey: KEY, deviceId: undefined, initialDesired: undefined, status: 'enabled',
    }); // prettier-ignore
    expect(enrollmentName(e.individual('d1')!)).toBe('individual:d1');
  });

  it('the individual enrollment alone is the candidate for its registration id; otherwise every group, keys derived', () => {
    const e = new Enrollments('0ne0000F1EE');
    e.addGroup({ name: 'g1', primaryKey: KEY, secondaryKey: KEY2 });
    e.addGroup({ name: 'g2', primaryKey: KEY2, status: 'disabled' });
    e.addIndividual({ registrationId: 'mine', primaryKey: KEY2 });
    expect(e.candidates('mine').map((c) => [enrollmentName(c.enrollment), c.primaryKey])).toEqual([['individual:mine', KEY2]]);
    const other = e.candidates('dev-9');
    expect(other.map((c) => enrollmentName(c.enrollment))).toEqual(['group:g1', 'group:g2']);
    expect(other[0]).toMatchObject({ primaryKey: deriveDeviceKey(KEY, 'dev-9'), secondaryKey: deriveDeviceKey(KEY2, 'dev-9') });
    expect(e.candidates('bad/id')).toEqual([]);
  });

  it('enable, disable and remove', () => {
    const e = new Enrollments('0ne0000F1EE');
    e.addGroup({ name: 'g', primaryKey: KEY });
    expect(e.setStatus('group', 'g', 'disabled')).toBe(true);
    expect(e.group('g')?.status).toBe('disabled');
    expect(e.setStatus('individual', 'g', 'disabled')).toBe(false);
    expect(e.remove('group', 'g')).toBe(true);
    expect(e.candidates('x')).toEqual([]);
  });
});

describe('Registrations', () => {
  it('keeps createdDateTimeUtc across re-registrations and moves lastUpdated and the etag', () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const r = new Registrations(clock);
    const first = r.assigned({ registrationId: 'd1', deviceId: 'd1', assignedHub: 'h.azure-devices.net', payload: { fw: 1 } });
    expect(first).toEqual({
      registrationId: 'd1', createdDateTimeUtc: '2026-01-01T00:00:00.000Z', assignedHub: 'h.azure-devices.net', deviceId: 'd1',
      status: 'assigned', substatus: 'initialAssignment', lastUpdatedDateTimeUtc: '2026-01-01T00:00:00.000Z', etag: first.etag, payload: { fw: 1 },
    }); // prettier-ignore
    expect(Buffer.from(first.etag, 'base64').toString()).toMatch(/^"[0-9a-f-]+"$/);
    clock.advance(60_000);
    const again = r.assigned({ registrationId: 'd1', deviceId: 'd1', assignedHub: 'h.azure-devices.net', payload: undefined });
    expect(again.createdDateTimeUtc).toBe('2026-01-01T00:00:00.000Z');
    expect(again.lastUpdatedDateTimeUtc).toBe('2026-01-01T00:01:00.000Z');
    expect(again.etag).not.toBe(first.etag);
    expect(again).not.toHaveProperty('payload');
  });

  it('failed records carry the error and no hub; disable turns a record disabled; reads are copies', () => {
    const r = new Registrations(new ManualClock(0));
    expect(r.failed({ registrationId: 'd2', payload: undefined, errorCode: 409001, errorMessage: 'exists' })).toMatchObject({
      status: 'failed', errorCode: 409001, errorMessage: 'exists',
    }); // prettier-ignore
    expect(r.get('d2')).not.toHaveProperty('assignedHub');
    expect(r.disable('d2')).toBe(true);
    expect(r.get('d2')?.status).toBe('disabled');
    expect(r.disable('nobody')).toBe(false);
    const copy = r.get('d2')!;
    copy.status = 'assigned';
    expect(r.get('d2')?.status).toBe('disabled');
    expect(r.size).toBe(1);
    expect(r.list().map((x) => x.registrationId)).toEqual(['d2']);
  });
});
