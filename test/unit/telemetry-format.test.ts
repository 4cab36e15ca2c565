import { describe, expect, it } from 'vitest';
import { csvHeader, csvLine, ndjsonLine, readingChannels, type TelemetryRecord } from '../../src/report/telemetry-format.js';

const TS = Date.UTC(2026, 0, 1, 6, 30, 15, 250);

/** A small RFC 4180 reader: quoted fields may hold commas, doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') {
      if (field !== '') throw new Error(`quote inside an unquoted field at ${i}`);
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (quoted) throw new Error('unterminated quoted field');
  if (field !== '' || row.length > 0) throw new Error('last line has no line break');
  return rows;
}

describe('ndjsonLine', () => {
  it('writes deviceId, seq, ts first, then the readings in the record order, as one line', () => {
    const record: TelemetryRecord = { ts: TS, temperature: -18.25, door: false, deviceId: 'freezer-001', seq: 7, mode: 'defrost' };
    const line = ndjsonLine(record);
    expect(line).toBe(
      `{"deviceId":"freezer-001","seq":7,"ts":${TS},"temperature":-18.25,"door":false,"mode":"defrost"}\n`,
    );
    expect(JSON.parse(line)).toEqual(record);
  });

  it('follows the given channel order, leaving out channels the record does not have', () => {
    const record: TelemetryRecord = { deviceId: 'd', seq: 1, ts: 0, b: 2, a: 1, '10': 3 };
    expect(ndjsonLine(record, ['10', 'a', 'missing', 'b'])).toBe('{"deviceId":"d","seq":1,"ts":0,"10":3,"a":1,"b":2}\n');
  });

  it('keeps null (a dropout) and writes non-finite numbers as null; numbers stay JSON numbers', () => {
    const line = ndjsonLine({ deviceId: 'd', seq: 0, ts: 0, humidity: null, bad: Number.NaN, big: 1e21, neg: -0.5 });
    expect(line).toBe('{"deviceId":"d","seq":0,"ts":0,"humidity":null,"bad":null,"big":1e+21,"neg":-0.5}\n');
    expect(JSON.parse(line)).toEqual({ deviceId: 'd', seq: 0, ts: 0, humidity: null, bad: null, big: 1e21, neg: -0.5 });
  });

  it('stays one line when a string holds line breaks or quotes', () => {
    const line = ndjsonLine({ deviceId: 'a "b"\nc', seq: 0, ts: 0, note: 'x\r\ny' });
    expect(line.indexOf('\n')).toBe(line.length - 1);
    expect(JSON.parse(line)).toMatchObject({ deviceId: 'a "b"\nc', note: 'x\r\ny' });
  });

  it('readingChannels lists everything but the fixed fields', () => {
    expect(readingChannels({ deviceId: 'd', seq: 0, ts: 0, t: 1, h: null })).toEqual(['t', 'h']);
  });
});

describe('csvHeader / csvLine', () => {
  const channels = ['temperature', 'door', 'note'];

  it('header is deviceId,seq,time,ts then the channels; names that need it are quoted', () => {
    expect(csvHeader(channels)).toBe('deviceId,seq,time,ts,temperature,door,note\n');
    expect(csvHeader(['a,b', 'say "hi"'])).toBe('deviceId,seq,time,ts,"a,b","say ""hi"""\n');
  });

  it('writes time as ISO 8601 UTC next to the numeric ts, booleans as true/false', () => {
    const line = csvLine({ deviceId: 'freezer-001', seq: 3, ts: TS, temperature: -17.5, door: true, note: 'ok' }, channels);
    expect(line).toBe(`freezer-001,3,2026-01-01T06:30:15.250Z,${TS},-17.5,true,ok\n`);
  });

  it('leaves null, missing and non-finite readings empty', () => {
    const line = csvLine({ deviceId: 'd', seq: 0, ts: 0, temperature: null, note: Number.POSITIVE_INFINITY }, channels);
    expect(line).toBe('d,0,1970-01-01T00:00:00.000Z,0,,,\n');
  });

  it('quotes commas, double quotes (doubled) and line breaks per RFC 4180, and nothing else', () => {
    const record: TelemetryRecord = { deviceId: 'dev,1', seq: 1, ts: 0, temperature: 1, door: false, note: 'he said "open"\nthen, closed' };
    const line = csvLine(record, channels);
    expect(line).toBe('"dev,1",1,1970-01-01T00:00:00.000Z,0,1,false,"he said ""open""\nthen, closed"\n');
    expect(csvLine({ deviceId: 'plain', seq: 1, ts: 0, note: "it's fine; really" }, ['note'])).toBe(
      "plain,1,1970-01-01T00:00:00.000Z,0,it's fine; really\n",
    );
    expect(csvLine({ deviceId: 'd', seq: 1, ts: 0, note: 'cr\ronly' }, ['note'])).toContain('"cr\ronly"');
  });

  it('round-trips through an RFC 4180 reader with one field per header column', () => {
    const records: TelemetryRecord[] = [
      { deviceId: 'a', seq: 0, ts: 0, temperature: 20.5, door: false, note: 'x' },
      { deviceId: 'b,"c"', seq: 1, ts: 60_000, temperature: null, note: 'multi\nline, "quoted"' },
      { deviceId: 'c', seq: 2, ts: 120_000, door: true },
    ];
    const rows = parseCsv(csvHeader(channels) + records.map((r) => csvLine(r, channels)).join(''));
    expect(rows.map((r) => r.length)).toEqual([7, 7, 7, 7]);
    expect(rows[2]).toEqual(['b,"c"', '1', '1970-01-01T00:01:00.000Z', '60000', '', '', 'multi\nline, "quoted"']);
    expect(rows[3]).toEqual(['c', '2', '1970-01-01T00:02:00.000Z', '120000', '', 'true', '']);
  });
});
