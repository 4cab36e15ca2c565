import { describe, expect, it } from 'vitest';
import {
  CREDENTIALS_RESPONSE_SUBSCRIPTION,
  DESIRED_SUBSCRIPTION,
  DPS_RESPONSE_SUBSCRIPTION,
  type DeviceTopic,
  type HubTopic,
  METHODS_SUBSCRIPTION,
  type MessageProperties,
  TWIN_RESPONSE_SUBSCRIPTION,
  allowedSubscription,
  c2dSubscription,
  c2dTopic,
  desiredPatchTopic,
  dpsPollTopic,
  dpsRegisterTopic,
  dpsResponseTopic,
  methodRequestTopic,
  methodResponseTopic,
  moduleInputTopic,
  parseDeviceTopic,
  parseHubTopic,
  parseModuleInputTopic,
  telemetryTopic,
  topicBelongsTo,
  twinGetTopic,
  twinPatchReportedTopic,
  twinResponseTopic,
} from '../../src/iothub/index.js';

const UUID = '3f2b9c1e-8d4a-4e7b-9a1c-2b3c4d5e6f70';
const DEV = 'sim-device-0001';

describe('constants', () => {
  it('are the documented subscription filters (§2.6, §3)', () => {
    expect(METHODS_SUBSCRIPTION).toBe('$iothub/methods/POST/#');
    expect(TWIN_RESPONSE_SUBSCRIPTION).toBe('$iothub/twin/res/#');
    expect(DESIRED_SUBSCRIPTION).toBe('$iothub/twin/PATCH/properties/desired/#');
    expect(DPS_RESPONSE_SUBSCRIPTION).toBe('$dps/registrations/res/#');
    expect(CREDENTIALS_RESPONSE_SUBSCRIPTION).toBe('$iothub/credentials/res/#');
    expect(c2dSubscription(DEV)).toBe('devices/sim-device-0001/messages/devicebound/#');
  });
});

describe('observed wire lines of §9, device → hub', () => {
  it.each<[string, DeviceTopic]>([
    [
      'devices/sim-device-0001/messages/events/%24.mid=m1&%24.ct=application%2Fjson&%24.ce=utf-8&alert=hi%20there',
      {
        kind: 'telemetry',
        deviceId: DEV,
        properties: { messageId: 'm1', contentType: 'application/json', contentEncoding: 'utf-8', app: { alert: 'hi there' } },
      },
    ],
    [`$iothub/twin/GET/?$rid=${UUID}`, { kind: 'twin-get', rid: UUID }],
    [`$iothub/twin/PATCH/properties/reported/?$rid=${UUID}`, { kind: 'twin-patch-reported', rid: UUID }],
    ['$iothub/methods/res/200/?$rid=1', { kind: 'method-response', status: 200, rid: '1' }],
    [`$dps/registrations/PUT/iotdps-register/?$rid=${UUID}`, { kind: 'dps-register', rid: UUID }],
    [
      `$dps/registrations/GET/iotdps-get-operationstatus/?$rid=${UUID}&operationId=4.abc.123`,
      { kind: 'dps-poll', rid: UUID, operationId: '4.abc.123' },
    ],
  ])('%s', (topic, expected) => {
    expect(parseDeviceTopic(topic)).toEqual(expected);
  });
});

describe('observed wire lines of §9 and §2–3, hub → device', () => {
  it.each<[string, HubTopic]>([
    ['$iothub/methods/POST/reboot/?$rid=1', { kind: 'method-request', name: 'reboot', rid: '1' }],
    ['$iothub/twin/PATCH/properties/desired/?$version=4', { kind: 'desired-patch', version: 4 }],
    [
      'devices/sim-device-0001/messages/devicebound/%24.mid=c2d-1&%24.to=%2Fdevices%2Fsim-device-0001%2Fmessages%2Fdevicebound&color=red%20blue',
      { kind: 'c2d', deviceId: DEV, properties: { messageId: 'c2d-1', to: '/devices/sim-device-0001/messages/devicebound', app: { color: 'red blue' } } },
    ],
    [
      'devices/pubsub/messages/devicebound/%24.mid=2c2db32a&%24.to=%2Fdevices%2Fpubsub%2Fmessages%2Fdevicebound&%24.ce=utf-8&iothub-ack=none',
      { kind: 'c2d', deviceId: 'pubsub', properties: { messageId: '2c2db32a', to: '/devices/pubsub/messages/devicebound', contentEncoding: 'utf-8', app: { 'iothub-ack': 'none' } } },
    ],
    ['devices/d1/messages/devicebound/', { kind: 'c2d', deviceId: 'd1', properties: { app: {} } }],
    [`$iothub/twin/res/200/?$rid=${UUID}`, { kind: 'twin-response', status: 200, rid: UUID }],
    [`$iothub/twin/res/204/?$rid=${UUID}&$version=2`, { kind: 'twin-response', status: 204, rid: UUID, version: 2 }],
    [`$iothub/twin/res/429/?$rid=${UUID}`, { kind: 'twin-response', status: 429, rid: UUID }],
    [`$iothub/twin/res/400/?$rid=${UUID}`, { kind: 'twin-response', status: 400, rid: UUID }],
    ['$dps/registrations/res/202/?$rid=1&retry-after=3', { kind: 'dps-response', status: 202, rid: '1', retryAfterS: 3 }],
    [`$dps/registrations/res/200/?$rid=${UUID}`, { kind: 'dps-response', status: 200, rid: UUID }],
    ['$dps/registrations/res/401/?$rid=1', { kind: 'dps-response', status: 401, rid: '1' }],
  ])('%s', (topic, expected) => {
    expect(parseHubTopic(topic)).toEqual(expected);
  });
});

describe('telemetry variants', () => {
  it('module telemetry, no bag, no trailing slash, bag with trailing slash', () => {
    expect(parseDeviceTopic('devices/d/modules/m/messages/events/%24.on=out1')).toEqual({
      kind: 'telemetry',
      deviceId: 'd',
      moduleId: 'm',
      properties: { outputName: 'out1', app: {} },
    });
    expect(parseDeviceTopic('devices/d/messages/events/')).toEqual({ kind: 'telemetry', deviceId: 'd', properties: { app: {} } });
    expect(parseDeviceTopic('devices/d/messages/events')).toEqual({ kind: 'telemetry', deviceId: 'd', properties: { app: {} } });
    expect(parseDeviceTopic('devices/d/messages/events/a=1/')).toEqual({ kind: 'telemetry', deviceId: 'd', properties: { app: { a: '1' } } });
  });
});

describe('round trips builder → parser', () => {
  const props: MessageProperties = { messageId: 'm-1', correlationId: 'c/1', contentType: 'application/json', app: { 'ünï': 'a&b=c', bare: null, e: '' } };

  it.each<[string, string, DeviceTopic]>([
    ['telemetry', telemetryTopic('d1', props), { kind: 'telemetry', deviceId: 'd1', properties: props }],
    ['telemetry, no props', telemetryTopic('d1'), { kind: 'telemetry', deviceId: 'd1', properties: { app: {} } }],
    ['module telemetry', telemetryTopic('d1', props, 'm1'), { kind: 'telemetry', deviceId: 'd1', moduleId: 'm1', properties: props }],
    ['twin GET', twinGetTopic(UUID), { kind: 'twin-get', rid: UUID }],
    ['reported PATCH', twinPatchReportedTopic('7'), { kind: 'twin-patch-reported', rid: '7' }],
    ['method response', methodResponseTopic(500, 'r1'), { kind: 'method-response', status: 500, rid: 'r1' }],
    ['method response, negative status', methodResponseTopic(-1, 'r1'), { kind: 'method-response', status: -1, rid: 'r1' }],
    ['DPS register', dpsRegisterTopic('1'), { kind: 'dps-register', rid: '1' }],
    ['DPS poll', dpsPollTopic('2', '4.d0a6.b4fd'), { kind: 'dps-poll', rid: '2', operationId: '4.d0a6.b4fd' }],
  ])('device → hub: %s', (_name, topic, expected) => {
    expect(parseDeviceTopic(topic)).toEqual(expected);
    expect(parseHubTopic(topic)).toBeUndefined();
  });

  it.each<[string, string, HubTopic]>([
    ['C2D', c2dTopic('d1', props), { kind: 'c2d', deviceId: 'd1', properties: props }],
    ['C2D, no props', c2dTopic('d1'), { kind: 'c2d', deviceId: 'd1', properties: { app: {} } }],
    ['method request', methodRequestTopic('reboot', 'r9'), { kind: 'method-request', name: 'reboot', rid: 'r9' }],
    ['twin response', twinResponseTopic(200, UUID), { kind: 'twin-response', status: 200, rid: UUID }],
    ['twin response with version', twinResponseTopic(204, UUID, 12), { kind: 'twin-response', status: 204, rid: UUID, version: 12 }],
    ['desired patch', desiredPatchTopic(0), { kind: 'desired-patch', version: 0 }],
    ['DPS response', dpsResponseTopic(200, '1'), { kind: 'dps-response', status: 200, rid: '1' }],
    ['DPS response with retry-after', dpsResponseTopic(202, '1', 3), { kind: 'dps-response', status: 202, rid: '1', retryAfterS: 3 }],
  ])('hub → device: %s', (_name, topic, expected) => {
    expect(parseHubTopic(topic)).toEqual(expected);
    expect(parseDeviceTopic(topic)).toBeUndefined();
  });

  it('builders keep the slash before ? (trap §0.5) and the exact documented shapes', () => {
    expect(methodRequestTopic('reboot', '1')).toBe('$iothub/methods/POST/reboot/?$rid=1');
    expect(methodResponseTopic(200, '1')).toBe('$iothub/methods/res/200/?$rid=1');
    expect(twinGetTopic('1')).toBe('$iothub/twin/GET/?$rid=1');
    expect(twinPatchReportedTopic('1')).toBe('$iothub/twin/PATCH/properties/reported/?$rid=1');
    expect(twinResponseTopic(204, '1', 2)).toBe('$iothub/twin/res/204/?$rid=1&$version=2');
    expect(desiredPatchTopic(4)).toBe('$iothub/twin/PATCH/properties/desired/?$version=4');
    expect(dpsRegisterTopic('1')).toBe('$dps/registrations/PUT/iotdps-register/?$rid=1');
    expect(dpsPollTopic('1', 'op')).toBe('$dps/registrations/GET/iotdps-get-operationstatus/?$rid=1&operationId=op');
    expect(dpsResponseTopic(202, '1', 3)).toBe('$dps/registrations/res/202/?$rid=1&retry-after=3');
    expect(telemetryTopic('d')).toBe('devices/d/messages/events/');
    expect(telemetryTopic('d', undefined, 'm')).toBe('devices/d/modules/m/messages/events/');
    expect(c2dTopic('d')).toBe('devices/d/messages/devicebound/');
    expect(telemetryTopic('d', { messageId: 'm1', contentType: 'application/json', contentEncoding: 'utf-8', app: { alert: 'hi there' } })).toBe(
      'devices/d/messages/events/%24.mid=m1&%24.ct=application%2Fjson&%24.ce=utf-8&alert=hi%20there',
    );
  });

  it('module inputs round-trip', () => {
    const t = moduleInputTopic('d', 'm', 'input1', { messageId: 'x', app: {} });
    expect(t).toBe('devices/d/modules/m/inputs/input1/%24.mid=x');
    expect(parseModuleInputTopic(t)).toEqual({ deviceId: 'd', moduleId: 'm', input: 'input1', properties: { messageId: 'x', app: {} } });
    expect(parseModuleInputTopic('devices/d/modules/m/inputs/')).toBeUndefined();
  });

  it('builders refuse pieces that would break the topic', () => {
    expect(() => telemetryTopic('a/b')).toThrow(TypeError);
    expect(() => telemetryTopic('+')).toThrow(TypeError);
    expect(() => telemetryTopic('d', undefined, '')).toThrow(TypeError);
    expect(() => c2dSubscription('#')).toThrow(TypeError);
    expect(() => methodRequestTopic('a/b', '1')).toThrow(TypeError);
    expect(() => twinGetTopic('')).toThrow(TypeError);
    expect(() => twinGetTopic('a&b')).toThrow(TypeError);
    expect(() => dpsPollTopic('1', 'x y')).toThrow(TypeError);
    expect(() => twinResponseTopic(200, '1', -1)).toThrow(TypeError);
    expect(() => desiredPatchTopic(1.5)).toThrow(TypeError);
    expect(() => dpsResponseTopic(202, '1', Number.NaN)).toThrow(TypeError);
    expect(() => methodResponseTopic(2.5, '1')).toThrow(TypeError);
  });
});

describe('parsers reject what the SDKs never send', () => {
  it.each([
    ['method response without slash before ?', '$iothub/methods/res/200?$rid=1'],
    ['twin GET without slash', '$iothub/twin/GET?$rid=1'],
    ['twin GET without rid', '$iothub/twin/GET/'],
    ['twin GET with empty rid', '$iothub/twin/GET/?$rid='],
    ['twin GET with duplicate rid', '$iothub/twin/GET/?$rid=1&$rid=2'],
    ['reported PATCH with bad $version', '$iothub/twin/PATCH/properties/reported/?$rid=1&$version=x'],
    ['method response with non-numeric status', '$iothub/methods/res/ok/?$rid=1'],
    ['DPS poll without operationId', '$dps/registrations/GET/iotdps-get-operationstatus/?$rid=1'],
    ['DPS register under the wrong verb', '$dps/registrations/GET/iotdps-register/?$rid=1'],
    ['method request (hub → device direction)', '$iothub/methods/POST/reboot/?$rid=1'],
    ['wildcard', 'devices/+/messages/events/'],
    ['hash', '#'],
    ['empty', ''],
    ['other device path', 'devices/d/messages/devicebound/'],
    ['telemetry with extra levels', 'devices/d/messages/events/a/b/c'],
    ['telemetry for empty device', 'devices//messages/events/'],
    ['certificate request (not in the DeviceTopic union)', '$iothub/credentials/POST/issueCertificate/?$rid=1'],
  ])('device → hub: %s', (_name, topic) => {
    expect(parseDeviceTopic(topic)).toBeUndefined();
  });

  it.each([
    ['method request without slash', '$iothub/methods/POST/reboot?$rid=1'],
    ['method request without rid', '$iothub/methods/POST/reboot/?x=1'],
    ['desired patch without version', '$iothub/twin/PATCH/properties/desired/?$rid=1'],
    ['desired patch with negative version', '$iothub/twin/PATCH/properties/desired/?$version=-1'],
    ['twin response with non-numeric version', '$iothub/twin/res/204/?$rid=1&$version=v2'],
    ['DPS response with fractional retry-after', '$dps/registrations/res/202/?$rid=1&retry-after=1.5'],
    ['C2D with extra level', 'devices/d/messages/devicebound/a=1/x'],
    ['C2D without trailing slash', 'devices/d/messages/devicebound'],
    ['telemetry (device → hub direction)', 'devices/d/messages/events/'],
  ])('hub → device: %s', (_name, topic) => {
    expect(parseHubTopic(topic)).toBeUndefined();
  });
});

describe('authorisation: topicBelongsTo / allowedSubscription (§0.1, §1.6)', () => {
  it('allows a device its own topics and the $iothub request topics', () => {
    for (const t of [
      telemetryTopic(DEV),
      telemetryTopic(DEV, { messageId: '1', app: {} }),
      `$iothub/twin/GET/?$rid=${UUID}`,
      '$iothub/twin/PATCH/properties/reported/?$rid=1',
      '$iothub/methods/res/200/?$rid=1',
      '$iothub/credentials/POST/issueCertificate/?$rid=1',
      c2dSubscription(DEV),
      METHODS_SUBSCRIPTION,
      TWIN_RESPONSE_SUBSCRIPTION,
      DESIRED_SUBSCRIPTION,
    ]) {
      expect(topicBelongsTo(t, DEV), t).toBe(true);
    }
  });

  it("refuses other devices' topics, wildcards and hub → device topics", () => {
    for (const t of [
      telemetryTopic('sim-device-0002'),
      'devices/sim-device-00011/messages/events/',
      c2dSubscription('sim-device-0002'),
      'devices/+/messages/events/',
      'devices/+/messages/devicebound/#',
      '+/sim-device-0001/messages/events/',
      '#',
      '+',
      '$iothub/#',
      '$iothub/+/res/#',
      '$iothub/methods/#',
      `devices/${DEV}/#`,
      `devices/${DEV}/messages/+/#`,
      `devices/${DEV}/modules/m1/messages/events/`,
      '$iothub/methods/POST/reboot/?$rid=1',
      '$iothub/twin/res/200/?$rid=1',
      '$iothub/unknown/?$rid=1',
      '$SYS/broker',
      '',
    ]) {
      expect(topicBelongsTo(t, DEV), t).toBe(false);
    }
  });

  it('modules own only their module subtree', () => {
    expect(topicBelongsTo(telemetryTopic('d', undefined, 'm'), 'd', 'm')).toBe(true);
    expect(topicBelongsTo('devices/d/modules/m/#', 'd', 'm')).toBe(true);
    expect(topicBelongsTo('devices/d/modules/m/inputs/#', 'd', 'm')).toBe(true);
    expect(topicBelongsTo(telemetryTopic('d'), 'd', 'm')).toBe(false);
    expect(topicBelongsTo(telemetryTopic('d', undefined, 'm2'), 'd', 'm')).toBe(false);
    expect(topicBelongsTo('devices/d/modules/+/#', 'd', 'm')).toBe(false);
    expect(topicBelongsTo(c2dSubscription('d'), 'd', 'm')).toBe(false);
    expect(topicBelongsTo('$iothub/twin/GET/?$rid=1', 'd', 'm')).toBe(true);
  });

  it('DPS clients: register/poll topics and the response filter, per endpoint', () => {
    expect(topicBelongsTo(dpsRegisterTopic('1'), 'reg1')).toBe(true);
    expect(topicBelongsTo(dpsPollTopic('1', 'op'), 'reg1', undefined, { endpoint: 'dps' })).toBe(true);
    expect(topicBelongsTo(DPS_RESPONSE_SUBSCRIPTION, 'reg1', undefined, { endpoint: 'dps' })).toBe(true);
    expect(topicBelongsTo(dpsRegisterTopic('1'), 'reg1', undefined, { endpoint: 'hub' })).toBe(false);
    expect(topicBelongsTo(DPS_RESPONSE_SUBSCRIPTION, 'reg1', undefined, { endpoint: 'hub' })).toBe(false);
    expect(topicBelongsTo(telemetryTopic('reg1'), 'reg1', undefined, { endpoint: 'dps' })).toBe(false);
    expect(topicBelongsTo(TWIN_RESPONSE_SUBSCRIPTION, 'reg1', undefined, { endpoint: 'dps' })).toBe(false);
    expect(topicBelongsTo('$dps/#', 'reg1')).toBe(false);
    expect(topicBelongsTo('$dps/registrations/res/202/?$rid=1', 'reg1')).toBe(false);
  });

  it('allowedSubscription lists exactly the documented filters', () => {
    const ok = [c2dSubscription('d'), METHODS_SUBSCRIPTION, TWIN_RESPONSE_SUBSCRIPTION, DESIRED_SUBSCRIPTION, CREDENTIALS_RESPONSE_SUBSCRIPTION, DPS_RESPONSE_SUBSCRIPTION];
    for (const f of ok) expect(allowedSubscription(f, 'd'), f).toBe(true);
    for (const f of ['devices/d/messages/devicebound/+', 'devices/d/messages/devicebound', '$iothub/twin/#', '$iothub/twin/PATCH/properties/#', c2dSubscription('e')]) {
      expect(allowedSubscription(f, 'd'), f).toBe(false);
    }
    expect(allowedSubscription(DPS_RESPONSE_SUBSCRIPTION, 'd', undefined, { endpoint: 'hub' })).toBe(false);
    expect(allowedSubscription(METHODS_SUBSCRIPTION, 'd', undefined, { endpoint: 'dps' })).toBe(false);
  });

  it('refuses identities that are not a single topic level', () => {
    for (const id of ['', '+', '#', 'a/b', 'a+b']) {
      expect(topicBelongsTo('devices/a+b/messages/devicebound/#', id)).toBe(false);
      expect(allowedSubscription(`devices/${id}/messages/devicebound/#`, id)).toBe(false);
    }
  });
});
