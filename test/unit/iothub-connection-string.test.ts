import { describe, expect, it } from 'vitest';
import { type DeviceConnectionString, formatConnectionString, parseConnectionString } from '../../src/iothub/index.js';

const KEY = 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=';

describe('parseConnectionString', () => {
  it('parses a device connection string (key contains =)', () => {
    expect(parseConnectionString(`HostName=contoso.azure-devices.net;DeviceId=dev-001;SharedAccessKey=${KEY}`)).toEqual({
      hostName: 'contoso.azure-devices.net',
      deviceId: 'dev-001',
      sharedAccessKey: KEY,
    });
  });

  it('parses module, GatewayHostName (§1.1 emulator trick) and x509 forms, in any key order', () => {
    expect(
      parseConnectionString(`GatewayHostName=localhost:18883;HostName=h.azure-devices.net;ModuleId=m1;DeviceId=d1;SharedAccessKey=${KEY};`),
    ).toEqual({ hostName: 'h.azure-devices.net', deviceId: 'd1', moduleId: 'm1', sharedAccessKey: KEY, gatewayHostName: 'localhost:18883' });
    expect(parseConnectionString('HostName=h;DeviceId=d;x509=true')).toEqual({ hostName: 'h', deviceId: 'd', x509: true });
  });

  it.each([
    ['missing HostName', `DeviceId=d;SharedAccessKey=${KEY}`, "missing 'HostName'"],
    ['missing DeviceId', `HostName=h;SharedAccessKey=${KEY}`, "missing 'DeviceId'"],
    ['no credential', 'HostName=h;DeviceId=d', "missing 'SharedAccessKey'"],
    ['x509=false and no key', 'HostName=h;DeviceId=d;x509=false', "missing 'SharedAccessKey'"],
    ['unknown key', `HostName=h;DeviceId=d;SharedAccessKeyName=owner;SharedAccessKey=${KEY}`, "unknown key 'SharedAccessKeyName'"],
    ['wrong case', `hostname=h;DeviceId=d;SharedAccessKey=${KEY}`, "unknown key 'hostname'"],
    ['duplicate', `HostName=h;HostName=i;DeviceId=d;SharedAccessKey=${KEY}`, "duplicate key 'HostName'"],
    ['empty value', 'HostName=h;DeviceId=;SharedAccessKey=x', "empty value for 'DeviceId'"],
    ['not base64', 'HostName=h;DeviceId=d;SharedAccessKey=not base64!', "'SharedAccessKey' is not base64"],
    ['bad x509', 'HostName=h;DeviceId=d;x509=yes', "'x509' must be true or false"],
    ['empty string', '', "missing 'HostName'"],
  ])('throws naming the problem and the expected shape (%s)', (_name, s, msg) => {
    expect(() => parseConnectionString(s)).toThrow(msg);
    expect(() => parseConnectionString(s)).toThrow('HostName=…;DeviceId=…;SharedAccessKey=…');
  });

  it('never echoes the key in an error', () => {
    const secret = 'c2VjcmV0c2VjcmV0c2VjcmV0';
    expect(() => parseConnectionString(`HostName=h;Foo=1;SharedAccessKey=${secret}`)).toThrow(/^(?!.*c2VjcmV0)/s);
  });
});

describe('formatConnectionString', () => {
  it.each<[string, DeviceConnectionString, string]>([
    ['device', { hostName: 'h', deviceId: 'd', sharedAccessKey: KEY }, `HostName=h;DeviceId=d;SharedAccessKey=${KEY}`],
    ['module', { hostName: 'h', deviceId: 'd', moduleId: 'm', sharedAccessKey: KEY }, `HostName=h;DeviceId=d;ModuleId=m;SharedAccessKey=${KEY}`],
    ['x509', { hostName: 'h', deviceId: 'd', x509: true }, 'HostName=h;DeviceId=d;x509=true'],
    ['gateway', { hostName: 'h', deviceId: 'd', sharedAccessKey: KEY, gatewayHostName: 'localhost:18883' }, `HostName=h;DeviceId=d;SharedAccessKey=${KEY};GatewayHostName=localhost:18883`],
  ])('formats and round-trips (%s)', (_name, c, s) => {
    expect(formatConnectionString(c)).toBe(s);
    expect(parseConnectionString(s)).toEqual(c);
  });

  it('refuses a value with ;', () => {
    expect(() => formatConnectionString({ hostName: 'h', deviceId: 'a;b', sharedAccessKey: KEY })).toThrow("'DeviceId'");
  });
});
