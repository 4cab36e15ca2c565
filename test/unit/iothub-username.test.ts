import { describe, expect, it } from 'vitest';
import { dpsUsername, hubUsername, parseDpsUsername, parseHubUsername } from '../../src/iothub/index.js';

const NODE_UA = 'azure-iot-device/1.18.4 (node v20.20.2; Debian 12; x64)';

describe('hubUsername', () => {
  it('defaults to api-version 2021-04-12 (§1.2)', () => {
    expect(hubUsername('h.azure-devices.net', 'd1')).toBe('h.azure-devices.net/d1/?api-version=2021-04-12');
    expect(hubUsername('h', 'd1', { moduleId: 'm1' })).toBe('h/d1/m1/?api-version=2021-04-12');
  });

  it('reproduces the Node SDK username observed in §9 byte for byte', () => {
    expect(
      hubUsername('contoso.azure-devices.net', 'sim-device-0001', { modelId: 'dtmi:com:example:Thermostat;1', clientType: NODE_UA }),
    ).toBe(
      'contoso.azure-devices.net/sim-device-0001/?api-version=2021-04-12&model-id=dtmi:com:example:Thermostat;1&DeviceClientType=azure-iot-device%2F1.18.4%20(node%20v20.20.2%3B%20Debian%2012%3B%20x64)',
    );
  });

  it('escapes a model id that is not a plain DTMI and honours apiVersion', () => {
    expect(hubUsername('h', 'd', { modelId: 'a&b', apiVersion: '2020-09-30' })).toBe('h/d/?api-version=2020-09-30&model-id=a%26b');
  });
});

describe('parseHubUsername', () => {
  it.each([
    [
      'Node SDK (§9)',
      'contoso.azure-devices.net/sim-device-0001/?api-version=2021-04-12&model-id=dtmi:com:example:Thermostat;1&DeviceClientType=azure-iot-device%2F1.18.4%20(node%20v20.20.2%3B%20Debian%2012%3B%20x64)',
      { host: 'contoso.azure-devices.net', deviceId: 'sim-device-0001', apiVersion: '2021-04-12', modelId: 'dtmi:com:example:Thermostat;1', clientType: NODE_UA },
    ],
    ['docs, device', 'h.azure-devices.net/d1/?api-version=2021-04-12', { host: 'h.azure-devices.net', deviceId: 'd1', apiVersion: '2021-04-12' }],
    ['docs, module', 'h/d1/m1/?api-version=2021-04-12', { host: 'h', deviceId: 'd1', moduleId: 'm1', apiVersion: '2021-04-12' }],
    ['Embedded C', 'h/d1/?api-version=2020-09-30&DeviceClientType=c%2F1.5.0', { host: 'h', deviceId: 'd1', apiVersion: '2020-09-30', clientType: 'c/1.5.0' }],
    [
      'C SDK with lower-case escapes and an escaped model id',
      'h/d1/?api-version=2020-09-30&DeviceClientType=iothubclient%2f1.6.0%20(native%3b%20Linux%3b%20x86_64)&model-id=dtmi%3acom%3aexample%3aThermostat%3b1',
      { host: 'h', deviceId: 'd1', apiVersion: '2020-09-30', clientType: 'iothubclient/1.6.0 (native; Linux; x86_64)', modelId: 'dtmi:com:example:Thermostat;1' },
    ],
    ['very old C SDK, no ?', 'h/dev/api-version=2016-11-14&DeviceClientType=iothubclient%2F1.1.0', { host: 'h', deviceId: 'dev', apiVersion: '2016-11-14', clientType: 'iothubclient/1.1.0' }],
    ['old form, module', 'h/dev/mod/api-version=2018-06-30', { host: 'h', deviceId: 'dev', moduleId: 'mod', apiVersion: '2018-06-30' }],
    [
      'old .NET client with a raw slash in DeviceClientType (IoT Edge special case)',
      'h/dev/mod/api-version=2017-06-30/DeviceClientType=Microsoft.Azure.Devices.Client/1.5.1-preview-003',
      { host: 'h', deviceId: 'dev', moduleId: 'mod', apiVersion: '2017-06-30', clientType: 'Microsoft.Azure.Devices.Client/1.5.1-preview-003' },
    ],
    ['unknown params ignored, first duplicate wins', 'h/d/?x=1&api-version=A&api-version=B&flag', { host: 'h', deviceId: 'd', apiVersion: 'A' }],
    ['empty DeviceClientType kept', 'h/d/?api-version=1&DeviceClientType=', { host: 'h', deviceId: 'd', apiVersion: '1', clientType: '' }],
  ])('parses %s', (_name, u, expected) => {
    expect(parseHubUsername(u)).toEqual(expected);
  });

  it('round-trips the builder', () => {
    const o = { moduleId: 'm 1', modelId: 'dtmi:x:y;2', apiVersion: '2021-04-12', clientType: 'fleetsim/0.1 (a&b=c)' };
    expect(parseHubUsername(hubUsername('h', 'd', o))).toEqual({ host: 'h', deviceId: 'd', ...o });
  });

  it.each([
    ['no api-version', 'h/d/?DeviceClientType=x'],
    ['empty api-version', 'h/d/?api-version='],
    ['too few segments', 'h/?api-version=1'],
    ['too many segments', 'h/d/m/x/?api-version=1'],
    ['old form without api-version', 'h/d/DeviceClientType=x'],
    ['no device', 'h//?api-version=1'],
    ['empty module', 'h/d//?api-version=1'],
    ['no host', '/d/?api-version=1'],
    ['DPS username', '0ne00000A0A/registrations/r/api-version=2019-03-31'],
    ['empty', ''],
  ])('rejects %s', (_name, u) => {
    expect(parseHubUsername(u)).toBeUndefined();
  });
});

describe('DPS usernames (§3)', () => {
  it('builds and parses the §9 observed username', () => {
    const u = '0ne00000A0A/registrations/sim-device-0001/api-version=2019-03-31&ClientVersion=azure-iot-provisioning-device%2F1.9.1';
    expect(dpsUsername('0ne00000A0A', 'sim-device-0001', { clientVersion: 'azure-iot-provisioning-device/1.9.1' })).toBe(u);
    expect(parseDpsUsername(u)).toEqual({ idScope: '0ne00000A0A', registrationId: 'sim-device-0001', apiVersion: '2019-03-31' });
  });

  it('defaults api-version 2019-03-31 and tolerates a ?', () => {
    expect(dpsUsername('s', 'r')).toBe('s/registrations/r/api-version=2019-03-31');
    expect(parseDpsUsername('s/registrations/r/?api-version=2021-06-01')).toEqual({ idScope: 's', registrationId: 'r', apiVersion: '2021-06-01' });
  });

  it.each([
    ['hub username', 'h/d/?api-version=2021-04-12'],
    ['no api-version', 's/registrations/r/ClientVersion=x'],
    ['wrong middle', 's/registration/r/api-version=1'],
    ['no registration id', 's/registrations//api-version=1'],
    ['extra segment', 's/registrations/r/x/api-version=1'],
  ])('rejects %s', (_name, u) => {
    expect(parseDpsUsername(u)).toBeUndefined();
  });
});
