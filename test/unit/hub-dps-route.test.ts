import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import type { BrokerClient, BrokerHooks } from '../../src/hub/broker.js';
import { DpsGateway, assignToHub, endpointOfUsername, routeHooks } from '../../src/hub/dps/index.js';
import { embeddedHooks } from '../../src/hub/embedded-hooks.js';
import { ManualTimers } from '../../src/hub/iothub/timers.js';
import { IotHubGateway } from '../../src/hub/iothub-gateway.js';
import { createSasToken, dpsResource, dpsUsername } from '../../src/iothub/index.js';

const client = (id: string): BrokerClient => ({ id, socket: undefined, peerCertificates: () => [], publish: () => Promise.resolve(), close: () => {}, closed: false });

function recorder(name: string, log: string[]): BrokerHooks {
  return {
    authenticate: (c) => (log.push(`${name}.authenticate ${c.id}`), name === 'hub' ? 0 : 5),
    authorizePublish: (c, t) => (log.push(`${name}.publish ${c.id} ${t}`), 'consume'),
    authorizeSubscribe: (c, f) => (log.push(`${name}.subscribe ${c.id} ${f}`), 0),
    authorizeForward: (c, t) => (log.push(`${name}.forward ${c.id} ${t}`), false),
    acked: (c) => void log.push(`${name}.acked ${c.id}`),
    connected: (c) => void log.push(`${name}.connected ${c.id}`),
    disconnected: (c) => void log.push(`${name}.disconnected ${c.id}`),
  };
}

describe('endpointOfUsername', () => {
  it('DPS usernames (with or without ?) go to dps; hub, service, empty and absent usernames go to the hub', () => {
    expect(endpointOfUsername('0ne0000F1EE/registrations/dev-1/api-version=2019-03-31&ClientVersion=azure-iot-provisioning-device%2F1.9.1')).toBe('dps');
    expect(endpointOfUsername('0ne0000F1EE/registrations/dev-1/?api-version=2019-03-31')).toBe('dps');
    expect(endpointOfUsername('h.azure-devices.net/dev-1/?api-version=2021-04-12')).toBe('hub');
    expect(endpointOfUsername('h.azure-devices.net/$service')).toBe('hub');
    expect(endpointOfUsername('0ne0000F1EE/registrations/dev-1')).toBe('hub'); // no api-version: not a DPS username
    expect(endpointOfUsername('')).toBe('hub');
    expect(endpointOfUsername(undefined)).toBe('hub');
  });
});

describe('routeHooks', () => {
  it('decides per client at authenticate and sends that client’s other hooks to the same side', () => {
    const log: string[] = [];
    const hooks = routeHooks((u) => (u === 'dps-user' ? 'dps' : 'hub'), recorder('hub', log), recorder('dps', log));
    const a = client('a');
    const b = client('b');
    expect(hooks.authenticate?.(a, 'hub-user', undefined)).toBe(0);
    expect(hooks.authenticate?.(b, 'dps-user', undefined)).toBe(5);
    hooks.connected?.(a);
    expect(hooks.authorizePublish?.(b, 't', Buffer.alloc(0), 1, false)).toBe('consume');
    expect(hooks.authorizeSubscribe?.(a, 'f', 1)).toBe(0);
    expect(hooks.authorizeForward?.(b, 't')).toBe(false);
    hooks.acked?.(a, 't');
    hooks.disconnected?.(b);
    expect(log).toEqual(['hub.authenticate a', 'dps.authenticate b', 'hub.connected a', 'dps.publish b t', 'hub.subscribe a f', 'dps.forward b t', 'hub.acked a', 'dps.disconnected b']);
  });

  it('a side without a hook behaves as the broker without it; a client that never authenticated is the hub’s', () => {
    const log: string[] = [];
    const hooks = routeHooks(() => 'dps', recorder('hub', log), {});
    const c = client('c');
    expect(hooks.authenticate?.(c, 'x', undefined)).toBe(0);
    expect(hooks.authorizePublish?.(c, 't', Buffer.alloc(0), 1, false)).toBe('forward');
    expect(hooks.authorizeSubscribe?.(c, 'f', 1)).toBe(1);
    expect(hooks.authorizeForward?.(c, 't')).toBe(true);
    hooks.connected?.(c);
    expect(log).toEqual([]);
    expect(hooks.authorizeSubscribe?.(client('never'), 'f', 1)).toBe(0);
    expect(log).toEqual(['hub.subscribe never f']);
  });
});

describe('routeHooks with the embedded hub’s hooks (IoT Hub + plain MQTT) on the hub side', () => {
  it('DPS logins reach the DPS gateway instead of being taken for plain MQTT clients', () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const hub = new IotHubGateway({ hostName: 'h.azure-devices.net', serviceKey: 'c2VydmljZSBrZXkgc2VydmljZSBrZXkgMDE=', clock, timers: new ManualTimers(clock) });
    const dps = new DpsGateway({ idScope: '0ne0000F1EE', assignedHub: 'h.azure-devices.net', clock, assign: assignToHub(hub) });
    const key = Buffer.from('0123456789abcdef0123456789abcdef').toString('base64');
    dps.enrollments.addIndividual({ registrationId: 'd1', primaryKey: key });
    const hooks = routeHooks(endpointOfUsername, embeddedHooks(hub), dps.hooks());
    const token = (id: string) => Buffer.from(createSasToken({ resourceUri: dpsResource('0ne0000F1EE', id), keyBase64: key, expiry: clock.now() / 1000 + 60, policyName: 'registration' }));
    const d1 = client('d1');
    expect(hooks.authenticate?.(d1, dpsUsername('0ne0000F1EE', 'd1'), token('d1'))).toBe(0);
    expect(hooks.authorizeSubscribe?.(d1, '$dps/registrations/res/#', 1)).toBe(1);
    expect(hooks.authenticate?.(client('d2'), dpsUsername('0ne0000F1EE', 'd2'), token('d2'))).toBe(5); // not a plain client
    expect(hooks.authenticate?.(client('plain'), 'someone', undefined)).toBe(0); // plain MQTT still plain
    expect(dps.stats.refusedConnects).toEqual({ 'unknown-enrollment': 1 });
  });
});
