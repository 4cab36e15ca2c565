import { describe, expect, it } from 'vitest';
import { IOTHUB_ERRORS, errorBody, errorStatus } from '../../src/iothub/index.js';

describe('IOTHUB_ERRORS (§1.7)', () => {
  it('has every code of §1.7 with its name, and the status is the first three digits', () => {
    const codes = [400004, 400027, 401002, 401003, 403002, 403004, 403006, 404001, 404103, 404104, 409001, 412002, 413001, 429001, 429002, 500001, 503003, 504101];
    expect(Object.keys(IOTHUB_ERRORS).map(Number).sort()).toEqual(codes);
    for (const [code, e] of Object.entries(IOTHUB_ERRORS)) {
      expect(e.status).toBe(errorStatus(Number(code)));
      expect(e.name).toMatch(/^[A-Z][A-Za-z]+$/);
    }
    expect(IOTHUB_ERRORS[400027].name).toBe('ConnectionForcefullyClosedOnNewConnection');
    expect(IOTHUB_ERRORS[401002].name).toBe('IotHubUnauthorizedAccess');
    expect(IOTHUB_ERRORS[403004].name).toBe('DeviceMaximumQueueDepthExceeded');
    expect(IOTHUB_ERRORS[404103].name).toBe('DeviceNotOnline');
    expect(IOTHUB_ERRORS[429001].name).toBe('ThrottlingException');
  });
});

describe('errorBody (trap §0.2)', () => {
  it('is {"errorCode":…,"message":…} as the Node SDK expects', () => {
    expect(errorBody(400004, 'bad')).toBe('{"errorCode":400004,"message":"bad"}');
    expect(JSON.parse(errorBody(429001, 'slow "down"'))).toEqual({ errorCode: 429001, message: 'slow "down"' });
  });

  it('appends extra fields (DPS style) without letting them override the code or message', () => {
    expect(errorBody(401002, 'Invalid certificate.', { trackingId: 't1', errorCode: 'x', timestampUtc: '2026-01-01T00:00:00Z' })).toBe(
      '{"errorCode":401002,"message":"Invalid certificate.","trackingId":"t1","timestampUtc":"2026-01-01T00:00:00Z"}',
    );
  });
});
