import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { IotHubError } from '../../src/hub/iothub/errors.js';
import { DeviceRegistry } from '../../src/hub/iothub/registry.js';
import { TWIN_LIMITS, twinKeyProblem, twinSize } from '../../src/hub/iothub/twin-limits.js';
import { TwinStore } from '../../src/hub/iothub/twin.js';

const T0 = Date.UTC(2025, 0, 1);

function setup() {
  const clock = new ManualClock(T0);
  const reg = new DeviceRegistry({ clock, generateKey: () => Buffer.alloc(32, 9).toString('base64') });
  reg.create({ deviceId: 'd1', modelId: 'dtmi:com:example:Thermostat;1' });
  const twins = new TwinStore({ clock, identities: reg });
  return { clock, reg, twins };
}

function err(fn: () => unknown): IotHubError {
  try {
    fn();
  } catch (e) {
    if (e instanceof IotHubError) return e;
    throw e;
  }
  throw new Error('expected an IotHubError');
}

const iso = (ms: number) => new Date(T0 + ms).toISOString();

describe('TwinStore', () => {
  it('a new twin: versions 1, empty sections, device view without $metadata', () => {
    const { twins } = setup();
    expect(twins.deviceView('d1')).toEqual({ desired: { $version: 1 }, reported: { $version: 1 } });
    const full = twins.fullTwin('d1');
    expect(full).toMatchObject({
      deviceId: 'd1',
      etag: 'AAAAAAAAAAE=',
      status: 'enabled',
      connectionState: 'Disconnected',
      authenticationType: 'sas',
      modelId: 'dtmi:com:example:Thermostat;1',
      version: 1,
      tags: {},
      properties: {
        desired: { $metadata: { $lastUpdated: iso(0), $lastUpdatedVersion: 1 }, $version: 1 },
        reported: { $metadata: { $lastUpdated: iso(0) }, $version: 1 },
      },
    });
    expect(err(() => twins.deviceView('nope')).errorCode).toBe(404001);
  });

  it('reported patches: merge, null deletes, versions and $metadata at every level', () => {
    const { twins, clock } = setup();
    clock.advance(1000);
    expect(twins.patchReported('d1', { fw: '1.0', net: { rssi: -70, type: 'wifi' } })).toBe(2);
    clock.advance(1000);
    expect(twins.patchReported('d1', { net: { rssi: -60 } })).toBe(3);
    clock.advance(1000);
    expect(twins.patchReported('d1', { fw: null, battery: 80 })).toBe(4);
    expect(twins.deviceView('d1').reported).toEqual({ net: { rssi: -60, type: 'wifi' }, battery: 80, $version: 4 });
    const full = twins.fullTwin('d1');
    expect(full.version).toBe(4);
    expect(full.etag).toBe('AAAAAAAAAAQ=');
    expect(full.properties.reported).toEqual({
      net: { rssi: -60, type: 'wifi' },
      battery: 80,
      $metadata: {
        $lastUpdated: iso(3000),
        net: { $lastUpdated: iso(2000), rssi: { $lastUpdated: iso(2000) }, type: { $lastUpdated: iso(1000) } },
        battery: { $lastUpdated: iso(3000) },
      },
      $version: 4,
    });
  });

  it('desired patches return the push shape and carry $lastUpdatedVersion', () => {
    const { twins, clock } = setup();
    clock.advance(10);
    const u1 = twins.patchDesired('d1', { telemetry: { interval: 5, unit: 's' } });
    expect(u1).toEqual({ version: 2, desiredVersion: 2, push: { telemetry: { interval: 5, unit: 's' }, $version: 2 } });
    clock.advance(10);
    const u2 = twins.patchDesired('d1', { telemetry: { unit: null }, mode: 'eco' }, twins.versionOf('d1').etag);
    expect(u2.push).toEqual({ telemetry: { unit: null }, mode: 'eco', $version: 3 });
    expect(twins.deviceView('d1').desired).toEqual({ telemetry: { interval: 5 }, mode: 'eco', $version: 3 });
    expect(twins.fullTwin('d1').properties.desired.$metadata).toEqual({
      $lastUpdated: iso(20),
      $lastUpdatedVersion: 3,
      telemetry: { $lastUpdated: iso(20), $lastUpdatedVersion: 3, interval: { $lastUpdated: iso(10), $lastUpdatedVersion: 2 } },
      mode: { $lastUpdated: iso(20), $lastUpdatedVersion: 3 },
    });
  });

  it('etag If-Match on service updates: 412001 when stale, * always', () => {
    const { twins } = setup();
    const etag = twins.versionOf('d1').etag;
    twins.patchTags('d1', { site: 'A' }, etag);
    expect(err(() => twins.patchTags('d1', { site: 'B' }, etag)).errorCode).toBe(412001);
    expect(err(() => twins.patchDesired('d1', { x: 1 }, `"${etag}"`)).errorCode).toBe(412001);
    expect(twins.patchTags('d1', { site: 'B' }, '*')).toBe(3);
    expect(twins.replaceTags('d1', { floor: 2 })).toBe(4);
    expect(twins.fullTwin('d1').tags).toEqual({ floor: 2 });
    expect(err(() => twins.patchReported('d1', { a: 1 }, 7)).errorCode).toBe(412001);
  });

  it('patchTwin applies tags and desired together, or nothing when either is invalid', () => {
    const { twins } = setup();
    const r = twins.patchTwin('d1', { tags: { zone: 'z1' }, properties: { desired: { led: true } } });
    expect(r.twin.tags).toEqual({ zone: 'z1' });
    expect(r.desired?.push).toEqual({ led: true, $version: 2 });
    expect(r.twin.version).toBe(3);
    expect(err(() => twins.patchTwin('d1', { tags: { ok: 1 }, properties: { desired: { 'bad.key': 1 } } })).errorCode).toBe(400004);
    expect(twins.fullTwin('d1').tags).toEqual({ zone: 'z1' });
  });

  it('key rules: no . $ space or control characters, ≤ 1 KB', () => {
    expect(twinKeyProblem('a'.repeat(1024))).toBeNull();
    expect(twinKeyProblem('a'.repeat(1025))).toMatch(/longer than 1024/);
    expect(twinKeyProblem('a.b')).toMatch(/"\."/);
    expect(twinKeyProblem('$version')).toMatch(/"\$"/);
    expect(twinKeyProblem('a b')).toMatch(/" "/);
    expect(twinKeyProblem('a\u0001')).toMatch(/U\+0001/);
    expect(twinKeyProblem('a\u0085')).toMatch(/U\+0085/);
    const { twins } = setup();
    const e = err(() => twins.patchReported('d1', { ok: { 'a.b': 1 } }));
    expect(e.errorBody()).toEqual({ errorCode: 400004, message: 'reported.ok.a.b: property name contains "."' });
    expect(e.status).toBe(400);
  });

  it('depth: 10 levels of keys accepted, 11 rejected', () => {
    const nest = (n: number): Record<string, unknown> => (n === 1 ? { leaf: 1 } : { [`l${n}`]: nest(n - 1) });
    const { twins } = setup();
    expect(twins.patchDesired('d1', nest(10)).desiredVersion).toBe(2);
    expect(err(() => twins.patchDesired('d1', nest(11))).message).toMatch(/deeper than 10/);
  });

  it('values: strings ≤ 4 KB, integers within ±4503599627370495', () => {
    const { twins } = setup();
    twins.patchReported('d1', { s: 'x'.repeat(4096), big: TWIN_LIMITS.maxInteger, neg: -TWIN_LIMITS.maxInteger, f: 1.5e300 / 1e300 });
    expect(err(() => twins.patchReported('d1', { s: 'x'.repeat(4097) })).message).toMatch(/longer than 4096/);
    expect(err(() => twins.patchReported('d1', { n: TWIN_LIMITS.maxInteger + 1 })).message).toMatch(/outside/);
    expect(err(() => twins.patchReported('d1', { n: -(TWIN_LIMITS.maxInteger + 1) })).errorCode).toBe(400004);
    expect(err(() => twins.patchReported('d1', [1])).message).toMatch(/expected a JSON object/);
    expect(err(() => twins.replaceTags('d1', { a: null })).message).toMatch(/null/);
  });

  it('sizes are counted as IoT Hub does; sections cap at 32 KB (8 KB tags) inclusive', () => {
    expect(twinSize({ ab: 'cde', n: 1, b: true, o: { k: 'é' } })).toBe(2 + 3 + 1 + 8 + 1 + 4 + 1 + (1 + 2));
    expect(twinSize({ s: 'a\u0000\u009fb' })).toBe(3);
    const { twins } = setup();
    // 8 keys of 1 char + 4095-char strings = 8 * 4096 = 32768 bytes exactly.
    const full: Record<string, string> = {};
    for (let i = 0; i < 8; i++) full[String(i)] = 'x'.repeat(4095);
    expect(twins.patchReported('d1', full)).toBe(2);
    expect(err(() => twins.patchReported('d1', { z: true })).message).toBe('reported would be 32773 bytes, over the 32768-byte limit');
    // Deleting a key shrinks the section: accepted.
    expect(twins.patchReported('d1', { '0': null })).toBe(3);
    const tags: Record<string, string> = { a: 'x'.repeat(4095), b: 'x'.repeat(4095) };
    expect(twins.replaceTags('d1', tags)).toBe(4); // the twin version counts every section's changes
    expect(err(() => twins.patchTags('d1', { c: 1 })).message).toMatch(/over the 8192-byte limit/);
  });

  it('deleting a twin resets it; all twins iterate in registry order', () => {
    const { twins, reg } = setup();
    reg.create({ deviceId: 'd2' });
    twins.patchReported('d1', { a: 1 });
    expect([...twins.allTwins()].map((t) => t.deviceId)).toEqual(['d1', 'd2']);
    twins.delete('d1');
    expect(twins.deviceView('d1').reported).toEqual({ $version: 1 });
  });
});
