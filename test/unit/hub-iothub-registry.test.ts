import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { IotHubError } from '../../src/hub/iothub/errors.js';
import { DeviceRegistry, deviceIdProblem } from '../../src/hub/iothub/registry.js';

const K1 = Buffer.alloc(32, 1).toString('base64');
const K2 = Buffer.alloc(32, 2).toString('base64');

function setup() {
  const clock = new ManualClock(Date.UTC(2025, 0, 1));
  let n = 0;
  const reg = new DeviceRegistry({ clock, generateKey: () => Buffer.alloc(32, ++n).toString('base64') });
  return { clock, reg };
}

function codeOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof IotHubError) return err.errorCode;
    throw err;
  }
  return undefined;
}

describe('DeviceRegistry', () => {
  it('creates a device with the service API identity shape', () => {
    const { reg } = setup();
    const d = reg.create({ deviceId: 'dev-1', authentication: { type: 'sas', primaryKey: K1, secondaryKey: K2 } });
    expect(d).toEqual({
      deviceId: 'dev-1',
      generationId: '638000000000000001',
      etag: 'MQ==',
      connectionState: 'Disconnected',
      status: 'enabled',
      statusReason: null,
      connectionStateUpdatedTime: '0001-01-01T00:00:00Z',
      statusUpdatedTime: '0001-01-01T00:00:00Z',
      lastActivityTime: '0001-01-01T00:00:00Z',
      cloudToDeviceMessageCount: 0,
      authentication: {
        symmetricKey: { primaryKey: K1, secondaryKey: K2 },
        x509Thumbprint: { primaryThumbprint: null, secondaryThumbprint: null },
        type: 'sas',
      },
      capabilities: { iotEdge: false },
    });
  });

  it('generates keys only when none are given', () => {
    const { reg } = setup();
    const d = reg.create({ deviceId: 'a' });
    expect(d.authentication.symmetricKey.primaryKey).toBe(Buffer.alloc(32, 1).toString('base64'));
    expect(d.authentication.symmetricKey.secondaryKey).toBe(Buffer.alloc(32, 2).toString('base64'));
    const x = reg.create({ deviceId: 'b', authentication: { type: 'selfSigned', primaryThumbprint: 'ab'.repeat(20) } });
    expect(x.authentication).toEqual({
      symmetricKey: { primaryKey: null, secondaryKey: null },
      x509Thumbprint: { primaryThumbprint: 'AB'.repeat(20), secondaryThumbprint: null },
      type: 'selfSigned',
    });
    expect(reg.create({ deviceId: 'c', authentication: { type: 'certificateAuthority' } }).authentication.type).toBe('certificateAuthority');
  });

  it('409001 on a duplicate, 404001 on unknown', () => {
    const { reg } = setup();
    reg.create({ deviceId: 'a' });
    expect(codeOf(() => reg.create({ deviceId: 'a' }))).toBe(409001);
    expect(codeOf(() => reg.get('zz'))).toBe(404001);
    expect(codeOf(() => reg.update('zz', {}, '*'))).toBe(404001);
    expect(codeOf(() => reg.delete('zz'))).toBe(404001);
    const err = (() => {
      try {
        reg.create({ deviceId: 'a' });
      } catch (e) {
        return e as IotHubError;
      }
      return undefined;
    })();
    expect(err?.status).toBe(409);
    expect(err?.errorBody()).toEqual({ errorCode: 409001, message: "A device with ID 'a' is already registered." });
  });

  it('validates device ids like IoT Hub: 128 chars ok, 129 not, the documented character set', () => {
    expect(deviceIdProblem('a'.repeat(128))).toBeNull();
    expect(deviceIdProblem('a'.repeat(129))).toMatch(/longer than 128/);
    expect(deviceIdProblem("Az09-.%_*?!(),:=@$'")).toBeNull();
    expect(deviceIdProblem('a/b')).toMatch(/invalid character "\/"/);
    expect(deviceIdProblem('a b')).toMatch(/invalid character/);
    expect(deviceIdProblem('é')).toMatch(/invalid character/);
    expect(deviceIdProblem('')).toMatch(/required/);
    const { reg } = setup();
    expect(codeOf(() => reg.create({ deviceId: 'a#b' }))).toBe(400004);
  });

  it('rejects symmetric keys that are not base64 of 16..64 bytes', () => {
    const { reg } = setup();
    const k16 = Buffer.alloc(16, 7).toString('base64');
    const k15 = Buffer.alloc(15, 7).toString('base64');
    const k64 = Buffer.alloc(64, 7).toString('base64');
    const k65 = Buffer.alloc(65, 7).toString('base64');
    expect(codeOf(() => reg.create({ deviceId: 'a', authentication: { type: 'sas', primaryKey: k16, secondaryKey: k64 } }))).toBeUndefined();
    expect(codeOf(() => reg.create({ deviceId: 'b', authentication: { type: 'sas', primaryKey: k15, secondaryKey: k16 } }))).toBe(400004);
    expect(codeOf(() => reg.create({ deviceId: 'c', authentication: { type: 'sas', primaryKey: k16, secondaryKey: k65 } }))).toBe(400004);
    expect(codeOf(() => reg.create({ deviceId: 'd', authentication: { type: 'sas', primaryKey: 'not base64!', secondaryKey: k16 } }))).toBe(400004);
    expect(codeOf(() => reg.create({ deviceId: 'e', authentication: { type: 'selfSigned', primaryThumbprint: 'xyz' } }))).toBe(400004);
  });

  it('update honours If-Match: 412001 on a stale etag, * forces, quotes tolerated; status time recorded', () => {
    const { reg, clock } = setup();
    const d = reg.create({ deviceId: 'a' });
    clock.advance(1000);
    const u = reg.update('a', { status: 'disabled', statusReason: 'maintenance' }, `"${d.etag}"`);
    expect(u.status).toBe('disabled');
    expect(u.statusReason).toBe('maintenance');
    expect(u.statusUpdatedTime).toBe('2025-01-01T00:00:01.000Z');
    expect(u.etag).not.toBe(d.etag);
    expect(codeOf(() => reg.update('a', { status: 'enabled' }, d.etag))).toBe(412001);
    expect(reg.update('a', { status: 'enabled' }, '*').status).toBe('enabled');
    expect(codeOf(() => reg.delete('a', d.etag))).toBe(412001);
    reg.delete('a', reg.get('a').etag);
    expect(reg.has('a')).toBe(false);
  });

  it('bulk-creates thousands quickly with per-device errors', () => {
    const { reg } = setup();
    reg.create({ deviceId: 'dup' });
    const inputs = Array.from({ length: 5000 }, (_, i) => ({
      deviceId: `sim-${i}`,
      authentication: { type: 'sas' as const, primaryKey: K1, secondaryKey: K2 },
    }));
    const t0 = performance.now();
    const res = reg.createMany([...inputs, { deviceId: 'dup' }, { deviceId: 'sim-1' }, { deviceId: 'bad id' }]);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(res.created).toBe(5000);
    expect(res.isSuccessful).toBe(false);
    expect(res.errors.map((e) => [e.deviceId, e.errorCode])).toEqual([
      ['dup', 409001],
      ['sim-1', 400011],
      ['bad id', 400004],
    ]);
    expect(reg.count()).toBe(5001);
    expect(reg.list(2).map((d) => d.deviceId)).toEqual(['dup', 'sim-0']);
    expect(reg.statistics()).toEqual({ totalDeviceCount: 5001, enabledDeviceCount: 5001, disabledDeviceCount: 0 });
  });

  it('takes connection state, activity and C2D count from the other layers', () => {
    const { reg, clock } = setup();
    reg.create({ deviceId: 'a' });
    const etag = reg.get('a').etag;
    clock.advance(500);
    reg.setConnectionState('a', 'Connected');
    reg.touch('a');
    reg.setCloudToDeviceMessageCount('a', 3);
    const d = reg.get('a');
    expect(d.connectionState).toBe('Connected');
    expect(d.connectionStateUpdatedTime).toBe('2025-01-01T00:00:00.500Z');
    expect(d.lastActivityTime).toBe('2025-01-01T00:00:00.500Z');
    expect(d.cloudToDeviceMessageCount).toBe(3);
    expect(d.etag).toBe(etag);
  });
});
