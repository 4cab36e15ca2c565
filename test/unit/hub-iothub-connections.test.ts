import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { ConnectionTable, type KickedConnection } from '../../src/hub/iothub/connections.js';
import { IotHubError } from '../../src/hub/iothub/errors.js';
import { DeviceRegistry } from '../../src/hub/iothub/registry.js';
import { ManualTimers } from '../../src/hub/iothub/timers.js';

const T0 = Date.UTC(2025, 0, 1);

function setup(withTimers = true) {
  const clock = new ManualClock(T0);
  const timers = new ManualTimers(clock);
  const reg = new DeviceRegistry({ clock, generateKey: () => Buffer.alloc(32, 3).toString('base64') });
  reg.create({ deviceId: 'd1' });
  reg.create({ deviceId: 'd2' });
  const kicks: KickedConnection[] = [];
  const table = new ConnectionTable({
    clock,
    ...(withTimers ? { timers, onKick: (k: KickedConnection) => kicks.push(k) } : {}),
    onStateChange: (id, state, at) => reg.setConnectionState(id, state, at),
    onActivity: (id, at) => reg.touch(id, at),
  });
  return { clock, timers, reg, kicks, table };
}

describe('ConnectionTable', () => {
  it('connect/disconnect drive the registry connection state and activity', () => {
    const { table, reg, clock } = setup();
    table.connect('d1', 'c1', { authType: 'sas' });
    expect(reg.get('d1')).toMatchObject({ connectionState: 'Connected', lastActivityTime: '2025-01-01T00:00:00.000Z' });
    clock.advance(250);
    table.activity('d1', 'c1');
    expect(reg.get('d1').lastActivityTime).toBe('2025-01-01T00:00:00.250Z');
    clock.advance(250);
    expect(table.disconnect('d1', 'c1')).toBe(true);
    expect(reg.get('d1')).toMatchObject({ connectionState: 'Disconnected', connectionStateUpdatedTime: '2025-01-01T00:00:00.500Z' });
    expect(table.size).toBe(0);
  });

  it('one connection per device: a new CONNECT replaces the old (400027); the stale close is ignored', () => {
    const { table, reg } = setup();
    table.connect('d1', 'c1', { authType: 'sas' });
    const r = table.connect('d1', 'c2', { authType: 'sas' });
    expect(r.replaced?.connection.connectionId).toBe('c1');
    expect(r.replaced?.errorCode).toBe(400027);
    expect(r.replaced?.reason).toBe('replaced');
    expect(table.disconnect('d1', 'c1')).toBe(false);
    expect(table.isCurrent('d1', 'c2')).toBe(true);
    expect(reg.get('d1').connectionState).toBe('Connected');
    table.activity('d1', 'c1'); // stale: no effect, no throw
    expect(table.stats).toEqual({ connects: 2, replaced: 1, sasExpired: 0, closed: 0 });
  });

  it('cuts a connection when its SAS expires (timers), not a replaced one', () => {
    const { table, timers, kicks, reg } = setup();
    table.connect('d1', 'c1', { authType: 'sas', sasExpiryMs: T0 + 60_000 });
    table.connect('d2', 'c1', { authType: 'sas', sasExpiryMs: T0 + 10_000 });
    table.connect('d2', 'c2', { authType: 'sas', sasExpiryMs: T0 + 120_000 }); // renewed by reconnecting
    timers.advance(59_999);
    expect(kicks).toEqual([]);
    timers.advance(1);
    expect(kicks.map((k) => [k.connection.id, k.connection.connectionId, k.reason, k.errorCode])).toEqual([['d1', 'c1', 'sasExpired', 401002]]);
    expect(reg.get('d1').connectionState).toBe('Disconnected');
    expect(table.disconnect('d1', 'c1')).toBe(false);
    timers.advance(60_000);
    expect(kicks.map((k) => k.connection.connectionId)).toEqual(['c1', 'c2']);
    expect(timers.size).toBe(0);
  });

  it('without timers: expiringBefore / expireNow poll; an already expired token is 401002', () => {
    const { table, clock } = setup(false);
    table.connect('d1', 'a', { authType: 'sas', sasExpiryMs: T0 + 2000 });
    table.connect('d2', 'b', { authType: 'sas', sasExpiryMs: T0 + 1000 });
    table.connect('d3', 'c', { authType: 'x509' });
    expect(table.expiringBefore(T0 + 999)).toEqual([]);
    expect(table.expiringBefore(T0 + 5000).map((c) => c.id)).toEqual(['d2', 'd1']);
    clock.advance(1000);
    expect(table.expireNow().map((k) => k.connection.id)).toEqual(['d2']);
    expect(table.isConnected('d2')).toBe(false);
    let e: unknown;
    try {
      table.connect('d2', 'x', { authType: 'sas', sasExpiryMs: T0 + 1000 });
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(IotHubError);
    expect((e as IotHubError).errorCode).toBe(401002);
  });
});
