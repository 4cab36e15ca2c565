import { describe, expect, it } from 'vitest';
import { type MessageProperties, formatPropertyBag, parsePropertyBag } from '../../src/iothub/index.js';

describe('formatPropertyBag (§2.1)', () => {
  it('reproduces the Node SDK bag observed in §9', () => {
    expect(formatPropertyBag({ messageId: 'm1', contentType: 'application/json', contentEncoding: 'utf-8', app: { alert: 'hi there' } })).toBe(
      '%24.mid=m1&%24.ct=application%2Fjson&%24.ce=utf-8&alert=hi%20there',
    );
  });

  it('writes every system property under its $-key, then app props; null → k, empty → k=', () => {
    const p: MessageProperties = {
      messageId: 'm',
      correlationId: 'c',
      userId: 'u',
      to: '/devices/d/messages/devicebound',
      expiry: '2026-01-01T00:00:00.000Z',
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      outputName: 'out1',
      interfaceId: 'urn:x',
      component: 'thermostat1',
      creationTimeUtc: '2026-01-01T00:00:00.000Z',
      app: { flag: null, empty: '', n: '1' },
    };
    expect(formatPropertyBag(p)).toBe(
      '%24.mid=m&%24.cid=c&%24.uid=u&%24.to=%2Fdevices%2Fd%2Fmessages%2Fdevicebound&%24.exp=2026-01-01T00%3A00%3A00.000Z' +
        '&%24.ct=application%2Fjson&%24.ce=utf-8&%24.on=out1&%24.ifid=urn%3Ax&%24.sub=thermostat1' +
        '&iothub-creation-time-utc=2026-01-01T00%3A00%3A00.000Z&flag&empty=&n=1',
    );
    expect(parsePropertyBag(formatPropertyBag(p))).toEqual(p);
  });

  it('escapes reserved characters and unicode RFC 3986-style in keys and values', () => {
    expect(formatPropertyBag({ app: { 'a&b=c': "x+y/z?#!'()*", 'température': '21,5 °C ✓' } })).toBe(
      'a%26b%3Dc=x%2By%2Fz%3F%23%21%27%28%29%2A&temp%C3%A9rature=21%2C5%20%C2%B0C%20%E2%9C%93',
    );
  });

  it('is empty for no properties', () => {
    expect(formatPropertyBag({ app: {} })).toBe('');
  });
});

describe('parsePropertyBag (§2.1, §2.2)', () => {
  it('accepts $ and %24 alike, decoding keys before matching', () => {
    const expected = { messageId: '42', contentType: 'application/json', contentEncoding: 'utf-8', app: { temp: '21.5' } };
    expect(parsePropertyBag('%24.mid=42&%24.ct=application%2Fjson&%24.ce=utf-8&temp=21.5')).toEqual(expected);
    expect(parsePropertyBag('$.mid=42&$.ct=application%2Fjson&$.ce=utf-8&temp=21.5')).toEqual(expected);
    expect(parsePropertyBag('%24.mid=42&$.ct=application/json&%24%2Ece=utf-8&temp=21.5')).toEqual(expected);
  });

  it('parses the real C2D bags quoted in §2.2 (iothub-ack stays an app prop)', () => {
    expect(
      parsePropertyBag('%24.mid=2c2db32a-1&%24.to=%2Fdevices%2Fpubsub%2Fmessages%2Fdevicebound&%24.ce=utf-8&iothub-ack=none'),
    ).toEqual({ messageId: '2c2db32a-1', to: '/devices/pubsub/messages/devicebound', contentEncoding: 'utf-8', app: { 'iothub-ack': 'none' } });
    expect(
      parsePropertyBag('%24.mid=69ea&%24.exp=0&%24.to=%2Fdevices%2FdeviceID%2Fmessages%2FdeviceBound&%24.cid=169c&iothub-ack=full&property1=value1'),
    ).toEqual({
      messageId: '69ea',
      expiry: '0',
      to: '/devices/deviceID/messages/deviceBound',
      correlationId: '169c',
      app: { 'iothub-ack': 'full', property1: 'value1' },
    });
  });

  it('maps iothub-creation-time-utc, keeps unknown $.x keys as app props named $.x', () => {
    expect(parsePropertyBag('iothub-creation-time-utc=2026-01-01T00%3A00%3A00Z&%24.xyz=1&$.abc')).toEqual({
      creationTimeUtc: '2026-01-01T00:00:00Z',
      app: { '$.xyz': '1', '$.abc': null },
    });
  });

  it('null vs empty values, unicode, + kept literally, malformed escapes kept verbatim', () => {
    expect(parsePropertyBag('a&b=&c=%E2%9C%93&d=1+2&e=100%&f=%zz&%24.mid')).toEqual({
      messageId: '',
      app: { a: null, b: '', c: '✓', d: '1+2', e: '100%', f: '%zz' },
    });
  });

  it('skips empty segments and empty keys; a later duplicate wins', () => {
    expect(parsePropertyBag('&a=1&&=x&a=2&')).toEqual({ app: { a: '2' } });
    expect(parsePropertyBag('')).toEqual({ app: {} });
  });

  it('keeps __proto__ as an ordinary key', () => {
    const p = parsePropertyBag('__proto__=x&constructor=y');
    expect(Object.keys(p.app)).toEqual(['__proto__', 'constructor']);
    expect(p.app['__proto__']).toBe('x');
  });

  it('round-trips arbitrary unicode and reserved characters', () => {
    const p: MessageProperties = { messageId: 'id/with?odd&chars=', app: { '日本': 'ü€😀', 'x y': "!'()*", '%24.not': '%24' } };
    expect(parsePropertyBag(formatPropertyBag(p))).toEqual(p);
  });
});
