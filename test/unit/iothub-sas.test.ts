import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createSasToken,
  deriveDeviceKey,
  deviceResource,
  dpsResource,
  encodeUriComponentStrict,
  parseSasToken,
  verifySasToken,
} from '../../src/iothub/index.js';

// Worked example, reference §1.3.
const KEY = 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=';
const HOST = 'contoso.azure-devices.net';
const SE = 1767225600;
const DEVICE_TOKEN =
  'SharedAccessSignature sr=contoso.azure-devices.net%2Fdevices%2Fdev-001&sig=G7%2BEY0I0Kv3b00tc1kAKqTgpetWYOZFTRfaGn1dBf3c%3D&se=1767225600';
const MODULE_TOKEN =
  'SharedAccessSignature sr=contoso.azure-devices.net%2Fdevices%2Fdev-001%2Fmodules%2Fmod1&sig=HMmNj%2Fr1dRF%2BWLoDXTcnXirfJvOB6cauFPwT1d%2Bc2ck%3D&se=1767225600';

/** An independent signer: HMAC over exactly the sr string given, the way each SDK would send it. */
function tokenFor(srAsSent: string, se: number | string, key = KEY, sigEncode: (s: string) => string = encodeURIComponent, skn?: string): string {
  const sig = createHmac('sha256', Buffer.from(key, 'base64')).update(`${srAsSent}\n${se}`).digest('base64');
  return `SharedAccessSignature sr=${srAsSent}&sig=${sigEncode(sig)}&se=${se}` + (skn ? `&skn=${skn}` : '');
}

describe('encodeUriComponentStrict', () => {
  it("escapes !'()* on top of encodeURIComponent, in the Node SDK's lower-case hex", () => {
    expect(encodeUriComponentStrict("a/b c!'()*~-_.")).toBe('a%2Fb%20c%21%27%28%29%2a~-_.');
    expect(encodeUriComponentStrict('ü€')).toBe('%C3%BC%E2%82%AC');
  });
});

describe('createSasToken', () => {
  it('reproduces the reference worked example byte for byte (device)', () => {
    const t = createSasToken({ resourceUri: deviceResource(HOST, 'dev-001'), keyBase64: KEY, expiry: SE });
    expect(t).toBe(DEVICE_TOKEN);
  });

  it('reproduces the reference worked example byte for byte (module)', () => {
    const t = createSasToken({ resourceUri: deviceResource(HOST, 'dev-001', 'mod1'), keyBase64: KEY, expiry: SE });
    expect(t).toBe(MODULE_TOKEN);
  });

  it('appends skn for policy tokens (DPS: skn=registration)', () => {
    const t = createSasToken({ resourceUri: dpsResource('0ne00000A0A', 'sim-1'), keyBase64: KEY, expiry: SE, policyName: 'registration' });
    expect(t).toMatch(/^SharedAccessSignature sr=0ne00000A0A%2Fregistrations%2Fsim-1&sig=[^&]+&se=1767225600&skn=registration$/);
    expect(t).toBe(tokenFor('0ne00000A0A%2Fregistrations%2Fsim-1', SE, KEY, encodeUriComponentStrict, 'registration'));
  });

  it('rejects a non-integer expiry', () => {
    expect(() => createSasToken({ resourceUri: 'h/devices/d', keyBase64: KEY, expiry: 1.5 })).toThrow(RangeError);
    expect(() => createSasToken({ resourceUri: 'h/devices/d', keyBase64: KEY, expiry: Number.NaN })).toThrow(RangeError);
  });
});

describe('resources', () => {
  it('builds device, module and DPS resource URIs', () => {
    expect(deviceResource('h', 'd')).toBe('h/devices/d');
    expect(deviceResource('h', 'd', 'm')).toBe('h/devices/d/modules/m');
    expect(dpsResource('0ne1', 'r')).toBe('0ne1/registrations/r');
  });
});

describe('parseSasToken', () => {
  it('returns the fields as transmitted, in any order', () => {
    expect(parseSasToken(DEVICE_TOKEN)).toEqual({
      sr: 'contoso.azure-devices.net%2Fdevices%2Fdev-001',
      sig: 'G7%2BEY0I0Kv3b00tc1kAKqTgpetWYOZFTRfaGn1dBf3c%3D',
      se: '1767225600',
    });
    expect(parseSasToken('SharedAccessSignature se=1&skn=registration&sig=abc&sr=a/b')).toEqual({
      sr: 'a/b',
      sig: 'abc',
      se: '1',
      skn: 'registration',
    });
  });

  it.each([
    ['empty', ''],
    ['no prefix', 'sr=a&sig=b&se=1'],
    ['wrong prefix', 'SharedAccessKey sr=a&sig=b&se=1'],
    ['two spaces', 'SharedAccessSignature  sr=a&sig=b&se=1'],
    ['missing sig', 'SharedAccessSignature sr=a&se=1'],
    ['missing sr', 'SharedAccessSignature sig=b&se=1'],
    ['missing se', 'SharedAccessSignature sr=a&sig=b'],
    ['empty sig', 'SharedAccessSignature sr=a&sig=&se=1'],
    ['duplicate sr', 'SharedAccessSignature sr=a&sr=b&sig=b&se=1'],
    ['field without =', 'SharedAccessSignature sr=a&sig=b&se=1&x'],
    ['empty skn', 'SharedAccessSignature sr=a&sig=b&se=1&skn='],
  ])('rejects a malformed token (%s)', (_name, token) => {
    expect(parseSasToken(token)).toBeUndefined();
  });
});

describe('verifySasToken', () => {
  const resource = deviceResource(HOST, 'dev-001');
  const before = SE - 10;

  it('accepts the worked example (device and module) before expiry', () => {
    expect(verifySasToken(DEVICE_TOKEN, { resource, keyBase64: KEY, nowS: before })).toEqual({ ok: true, expiry: SE });
    expect(
      verifySasToken(MODULE_TOKEN, { resource: deviceResource(HOST, 'dev-001', 'mod1'), keyBase64: KEY, nowS: before }),
    ).toEqual({ ok: true, expiry: SE });
  });

  it('rejects at and after expiry', () => {
    expect(verifySasToken(DEVICE_TOKEN, { resource, keyBase64: KEY, nowS: SE })).toEqual({ ok: false, reason: 'expired' });
    expect(verifySasToken(DEVICE_TOKEN, { resource, keyBase64: KEY, nowS: SE + 3600 })).toEqual({ ok: false, reason: 'expired' });
  });

  // A device id with characters the SDKs encode differently: Node strict (`%2a`), C upper-case, .NET lower-case.
  const odd = 'Dev*(1)';
  const oddRes = deviceResource(HOST, odd);
  it.each([
    ['Node SDK (strict, %2F and %2a)', encodeUriComponentStrict(oddRes)],
    ['plain encodeURIComponent (* ( ) raw)', encodeURIComponent(oddRes)],
    ['C SDK, all escapes upper-case', 'contoso.azure-devices.net%2Fdevices%2FDev%2A%281%29'],
    ['old .NET, all escapes lower-case', 'contoso.azure-devices.net%2fdevices%2fDev%2a%281%29'],
    ['raw, unencoded', oddRes],
  ])('accepts the %s style', (_name, sr) => {
    expect(verifySasToken(tokenFor(sr, SE), { resource: oddRes, keyBase64: KEY, nowS: before })).toEqual({ ok: true, expiry: SE });
  });

  // The fallbacks: a signer that HMACs one spelling of sr but transmits another.
  const upper = 'contoso.azure-devices.net%2Fdevices%2FDev%2A%281%29';
  const lower = 'contoso.azure-devices.net%2fdevices%2fDev%2a%281%29';
  it.each([
    ['signed upper-case, sent lower-case', upper, lower],
    ['signed lower-case, sent upper-case', lower, upper],
    ['signed Node-strict, sent upper-case', encodeUriComponentStrict(oddRes), upper],
    ['signed raw, sent encoded', oddRes, encodeUriComponentStrict(oddRes)],
    ['signed lower-case, sent raw', lower, oddRes],
  ])('falls back to re-encoded and decoded sr (%s)', (_name, signed, sent) => {
    const t = tokenFor(signed, SE).replace(`sr=${signed}&`, `sr=${sent}&`);
    expect(t).toContain(`sr=${sent}&`);
    expect(verifySasToken(t, { resource: oddRes, keyBase64: KEY, nowS: before })).toEqual({ ok: true, expiry: SE });
  });

  it('does not normalise the case of the resource before the HMAC', () => {
    const signed = 'contoso.azure-devices.net%2Fdevices%2Fdev%2A%281%29'; // device id lower-cased by the signer
    const t = tokenFor(signed, SE).replace(`sr=${signed}&`, `sr=${upper}&`);
    expect(verifySasToken(t, { resource: oddRes, keyBase64: KEY, nowS: before })).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('accepts a token whose sig is sent raw (+ / = unencoded) and one with skn first', () => {
    expect(verifySasToken(tokenFor('contoso.azure-devices.net%2Fdevices%2Fdev-001', SE, KEY, (s) => s), { resource, keyBase64: KEY, nowS: before }).ok).toBe(true);
    const sig = parseSasToken(DEVICE_TOKEN)?.sig ?? '';
    const reordered = `SharedAccessSignature se=${SE}&skn=device&sig=${sig}&sr=contoso.azure-devices.net%2Fdevices%2Fdev-001`;
    expect(verifySasToken(reordered, { resource, keyBase64: KEY, nowS: before }).ok).toBe(true);
  });

  it('accepts the Node DPS raw-slash form (trap §0.3, §9)', () => {
    const res = dpsResource('0ne00000A0A', 'sim-device-0001');
    const token = tokenFor(res, 1795424561, KEY, encodeURIComponent, 'registration');
    expect(token).toContain('sr=0ne00000A0A/registrations/sim-device-0001&');
    expect(verifySasToken(token, { resource: res, keyBase64: KEY, nowS: 1795424000 })).toEqual({ ok: true, expiry: 1795424561 });
    // The C-style encoded DPS form works too.
    const enc = tokenFor('0ne00000A0A%2Fregistrations%2Fsim-device-0001', 1795424561, KEY, encodeURIComponent, 'registration');
    expect(verifySasToken(enc, { resource: res, keyBase64: KEY, nowS: 1795424000 }).ok).toBe(true);
  });

  it('compares the host case-insensitively but the device id case-sensitively', () => {
    const upperHost = tokenFor(encodeUriComponentStrict('Contoso.Azure-Devices.NET/devices/dev-001'), SE);
    expect(verifySasToken(upperHost, { resource, keyBase64: KEY, nowS: before }).ok).toBe(true);
    const upperDevice = tokenFor(encodeUriComponentStrict(`${HOST}/devices/DEV-001`), SE);
    expect(verifySasToken(upperDevice, { resource, keyBase64: KEY, nowS: before })).toEqual({ ok: false, reason: 'wrong-resource' });
  });

  it('accepts a hub- or devices-scoped token for any device (segment prefix), not a partial segment', () => {
    for (const scope of [HOST, `${HOST}/devices`, `${HOST}/devices/`]) {
      const t = tokenFor(encodeUriComponentStrict(scope), SE, KEY, encodeURIComponent, 'device');
      expect(verifySasToken(t, { resource, keyBase64: KEY, nowS: before }).ok).toBe(true);
    }
    const partial = tokenFor(encodeUriComponentStrict(`${HOST}/devices/dev-0`), SE);
    expect(verifySasToken(partial, { resource, keyBase64: KEY, nowS: before })).toEqual({ ok: false, reason: 'wrong-resource' });
    // a device token does not cover that device's... neighbour, nor is it valid for a longer device id
    expect(verifySasToken(DEVICE_TOKEN, { resource: deviceResource(HOST, 'dev-0010'), keyBase64: KEY, nowS: before })).toEqual({
      ok: false,
      reason: 'wrong-resource',
    });
    // but it covers the device's own modules (segment prefix)
    expect(verifySasToken(DEVICE_TOKEN, { resource: deviceResource(HOST, 'dev-001', 'm'), keyBase64: KEY, nowS: before }).ok).toBe(true);
  });

  it('rejects a token for another device, another hub, or a module token used for the device', () => {
    const other = createSasToken({ resourceUri: deviceResource(HOST, 'dev-002'), keyBase64: KEY, expiry: SE });
    expect(verifySasToken(other, { resource, keyBase64: KEY, nowS: before })).toEqual({ ok: false, reason: 'wrong-resource' });
    const otherHub = createSasToken({ resourceUri: deviceResource('fabrikam.azure-devices.net', 'dev-001'), keyBase64: KEY, expiry: SE });
    expect(verifySasToken(otherHub, { resource, keyBase64: KEY, nowS: before })).toEqual({ ok: false, reason: 'wrong-resource' });
    expect(verifySasToken(MODULE_TOKEN, { resource, keyBase64: KEY, nowS: before })).toEqual({ ok: false, reason: 'wrong-resource' });
  });

  it('rejects tampered tokens and the wrong key', () => {
    const tamperedSig = DEVICE_TOKEN.replace('sig=G7', 'sig=G8');
    expect(verifySasToken(tamperedSig, { resource, keyBase64: KEY, nowS: before })).toEqual({ ok: false, reason: 'bad-signature' });
    const extended = DEVICE_TOKEN.replace('se=1767225600', 'se=1767229200');
    expect(verifySasToken(extended, { resource, keyBase64: KEY, nowS: before })).toEqual({ ok: false, reason: 'bad-signature' });
    const truncated = DEVICE_TOKEN.replace('%3D&', '&');
    expect(verifySasToken(truncated, { resource, keyBase64: KEY, nowS: before })).toEqual({ ok: false, reason: 'bad-signature' });
    const otherKey = Buffer.alloc(32, 7).toString('base64');
    expect(verifySasToken(DEVICE_TOKEN, { resource, keyBase64: otherKey, nowS: before })).toEqual({ ok: false, reason: 'bad-signature' });
    // a bad signature is reported as such even when the token has also expired
    expect(verifySasToken(tamperedSig, { resource, keyBase64: KEY, nowS: SE + 1 })).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it.each([
    ['garbage', 'hello'],
    ['non-numeric se', DEVICE_TOKEN.replace('se=1767225600', 'se=soon')],
    ['negative se', DEVICE_TOKEN.replace('se=1767225600', 'se=-1')],
    ['broken escape in sr', DEVICE_TOKEN.replace('%2Fdevices', '%ZZdevices')],
    ['broken escape in sig', DEVICE_TOKEN.replace('%3D', '%3')],
  ])('reports malformed tokens (%s)', (_name, token) => {
    expect(verifySasToken(token, { resource, keyBase64: KEY, nowS: before })).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('deriveDeviceKey (DPS group enrollment, §3)', () => {
  it('is base64(HMAC-SHA256(base64decode(groupKey), registrationId))', () => {
    const groupKey = Buffer.from('group-enrollment-primary-key-0123456789').toString('base64');
    const expected = createHmac('sha256', Buffer.from(groupKey, 'base64')).update(Buffer.from('sim-device-0001', 'utf8')).digest('base64');
    expect(deriveDeviceKey(groupKey, 'sim-device-0001')).toBe(expected);
    expect(deriveDeviceKey(groupKey, 'sim-device-0002')).not.toBe(expected);
    expect(Buffer.from(expected, 'base64')).toHaveLength(32);
  });

  it('the derived key signs a hub token the verifier accepts', () => {
    const key = deriveDeviceKey(KEY, 'sim-device-0001');
    const res = deviceResource(HOST, 'sim-device-0001');
    const t = createSasToken({ resourceUri: res, keyBase64: key, expiry: SE });
    expect(verifySasToken(t, { resource: res, keyBase64: key, nowS: 0 }).ok).toBe(true);
    expect(verifySasToken(t, { resource: res, keyBase64: KEY, nowS: 0 })).toEqual({ ok: false, reason: 'bad-signature' });
  });
});
