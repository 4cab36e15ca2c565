import { describe, expect, it } from 'vitest';
import type { Readings } from '../../src/devices/model.js';
import { decodeTelemetry, encodeTelemetry } from '../../src/devices/payload.js';

/** What the telemetry JSON must equal, byte for byte: JSON.stringify of the merged record. */
const reference = (deviceId: string, seq: number, ts: number, readings: Readings): string => JSON.stringify({ deviceId, seq, ts, ...readings });

describe('telemetry JSON payload', () => {
  const cases: Array<[string, number, number, Readings]> = [
    ['dev-000001', 1, 1765148400123.456, { temperature: 21.37, humidity: 45.2, setpoint: 21 }],
    ['d"quoted\\\n', 0, 0, { a: -0, b: 1e21, c: 1e-7, d: Number.NaN, e: Number.POSITIVE_INFINITY, f: null, g: true, h: 'text "x"\n' }],
    ['ünïcode ✓', 2 ** 53, -1.5, { 'name with "quotes"': 1, 'ключ': 2, '\u2028': 3 }],
    ['x', 3, 4, { seq: 99, other: 1 }], // a reading named like a fixed field keeps JSON.stringify's placement
    ['x', 3, 4, { b: 1, 7: 2, a: 3 }], // an array-index name goes first, as in an object
    ['x', 3, 4, {}],
  ];
  for (const [deviceId, seq, ts, readings] of cases) {
    it(`is JSON.stringify's text for ${JSON.stringify(readings)}`, () => {
      expect(encodeTelemetry('json', deviceId, seq, ts, readings)).toBe(reference(deviceId, seq, ts, readings));
      // Twice: the second message takes the cached key texts.
      expect(encodeTelemetry('json', deviceId, seq + 1, ts, readings)).toBe(reference(deviceId, seq + 1, ts, readings));
    });
  }

  it('decodes back to the record', () => {
    const text = encodeTelemetry('json', 'dev-1', 5, 1.25, { t: 20.5, ok: true, s: null });
    expect(decodeTelemetry(Buffer.from(text as string))).toEqual({ deviceId: 'dev-1', seq: 5, ts: 1.25, t: 20.5, ok: true, s: null });
  });
});
