import { describe, expect, it } from 'vitest';
import { telemetryRecord } from '../../src/hub/telemetry/record.js';
import { enqueuedTimeOf, isoMicros, parseIsoMicros, parsePropertyBag, stampTelemetryTopic } from '../../src/iothub/index.js';

const T = Date.UTC(2026, 0, 1, 12, 0, 0, 123) + 0.456;
const stamp = { enqueuedTimeMs: T, deviceId: 'd1', authMethod: '{"scope":"device","type":"sas","issuer":"iothub"}', generationId: '638000000000000001' };

describe('the hub-stamped system properties (reference §2.1)', () => {
  it('iothub-enqueuedtime is ISO 8601 UTC with microseconds, and parses back', () => {
    expect(isoMicros(T)).toBe('2026-01-01T12:00:00.123456Z');
    expect(parseIsoMicros('2026-01-01T12:00:00.123456Z')).toBeCloseTo(T, 6);
    expect(parseIsoMicros('2026-01-01T12:00:00.123Z')).toBe(Date.UTC(2026, 0, 1, 12, 0, 0, 123));
    expect(parseIsoMicros('not a date')).toBeNaN();
  });

  it('appended to the telemetry topic property bag; the device’s own properties kept', () => {
    const bare = stampTelemetryTopic('devices/d1/messages/events/', stamp);
    expect(bare).toBe(
      'devices/d1/messages/events/iothub-enqueuedtime=2026-01-01T12%3A00%3A00.123456Z&iothub-connection-device-id=d1' +
        '&iothub-connection-auth-method=%7B%22scope%22%3A%22device%22%2C%22type%22%3A%22sas%22%2C%22issuer%22%3A%22iothub%22%7D' +
        '&iothub-connection-auth-generation-id=638000000000000001',
    );
    expect(stampTelemetryTopic('devices/d1/messages/events', stamp)).toBe(bare);
    expect(stampTelemetryTopic('devices/d1/messages/events/a=1/', stamp)).toBe(bare.replace('events/', 'events/a=1&'));
    const withBag = stampTelemetryTopic('devices/d1/messages/events/%24.mid=42&temp=21', stamp);
    const props = parsePropertyBag(withBag.split('/')[4] as string);
    expect(props.messageId).toBe('42');
    expect(props.app).toMatchObject({ temp: '21', 'iothub-connection-device-id': 'd1', 'iothub-enqueuedtime': '2026-01-01T12:00:00.123456Z' });
    expect(props.app['iothub-connection-auth-method']).toBe(stamp.authMethod);
    expect(enqueuedTimeOf(withBag)).toBeCloseTo(T, 6);
    // A device cannot fake it: the hub's stamp comes last and wins.
    expect(enqueuedTimeOf(stampTelemetryTopic('devices/d1/messages/events/iothub-enqueuedtime=2000-01-01T00%3A00%3A00.000Z', stamp))).toBeCloseTo(T, 6);
    expect(enqueuedTimeOf('devices/d1/messages/events/temp=21')).toBeUndefined();
    expect(enqueuedTimeOf('devices/d1/messages/events/iothub-enqueuedtime=%E0%A4%A')).toBeUndefined();
  });

  it('stream records: JSON bodies as JSON, UTF-8 text as text, anything else base64; properties by wire name', () => {
    const base = { deviceId: 'd1', enqueuedTimeMs: T, stamped: [['iothub-enqueuedtime', isoMicros(T)]] as const };
    const props = parsePropertyBag('%24.mid=7&%24.ct=application%2Fjson&alert=true');
    expect(telemetryRecord({ ...base, properties: props, body: Buffer.from('{"t":21.5}') })).toEqual({
      deviceId: 'd1',
      enqueuedTime: '2026-01-01T12:00:00.123456Z',
      properties: { '$.mid': '7', '$.ct': 'application/json', alert: 'true', 'iothub-enqueuedtime': '2026-01-01T12:00:00.123456Z' },
      bodyEncoding: 'json',
      body: { t: 21.5 },
    });
    expect(telemetryRecord({ ...base, properties: { app: {} }, body: Buffer.from('21.5 °C!') })).toMatchObject({ bodyEncoding: 'utf8', body: '21.5 °C!' });
    expect(telemetryRecord({ ...base, properties: { app: {} }, body: Buffer.from([0xff, 0x00, 0x9f]) })).toMatchObject({ bodyEncoding: 'base64', body: '/wCf' });
  });
});
