import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { QuerySyntaxError, parseQuery, runQuery } from '../../src/hub/iothub/query.js';
import { DeviceRegistry } from '../../src/hub/iothub/registry.js';
import { TwinStore } from '../../src/hub/iothub/twin.js';

function fleet() {
  const clock = new ManualClock(Date.UTC(2025, 0, 1));
  const reg = new DeviceRegistry({ clock, generateKey: () => Buffer.alloc(32, 5).toString('base64') });
  const twins = new TwinStore({ clock, identities: reg });
  reg.create({ deviceId: 'a' });
  reg.create({ deviceId: 'b', status: 'disabled' });
  reg.create({ deviceId: 'c' });
  reg.create({ deviceId: "d'quote" });
  twins.patchTags('a', { location: { region: 'US', plant: 'Redmond43' }, floor: 1 });
  twins.patchTags('b', { location: { region: 'EU' }, floor: 3 });
  twins.patchTags('c', { location: { region: 'US' }, floor: 2 });
  twins.patchReported('a', { connectivity: { type: 'cellular' }, battery: 80, ok: true });
  twins.patchReported('b', { connectivity: { type: 'wifi' }, battery: 20, ok: false });
  twins.patchReported('c', { battery: '?' });
  twins.patchDesired('a', { interval: 5 });
  return { reg, twins, q: (sql: string) => runQuery(sql, twins.allTwins()) };
}

const ids = (rows: unknown[]) => rows.map((r) => (r as { deviceId: string }).deviceId);

describe('query: parsing', () => {
  it('keywords are case-insensitive; the AST keeps TOP, aliases and paths', () => {
    const p = parseQuery("select top 2 deviceId, tags.location.region as r from DEVICES where status = 'enabled'");
    expect(p.top).toBe(2);
    expect(p.select).toEqual({
      kind: 'fields',
      items: [
        { segs: ['deviceId'], alias: 'deviceId' },
        { segs: ['tags', 'location', 'region'], alias: 'r' },
      ],
    });
  });

  it('syntax errors say where, with 400004', () => {
    const sql = 'SELECT * FROM devices WHERE tags.floor >> 2';
    let e: unknown;
    try {
      parseQuery(sql);
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(QuerySyntaxError);
    const q = e as QuerySyntaxError;
    expect(q.errorCode).toBe(400004);
    expect(q.status).toBe(400);
    expect(q.position).toBe(sql.indexOf('>>') + 2);
    expect(q.message).toBe("Syntax error at position 41: expected a property path or a literal, found '>'");
    const cases: [string, string][] = [
      ['SELECT * FROM devices WHERE', 'Syntax error at position 28: expected a property path or a literal, found end of query'],
      ['SELECT * FROM jobs', "Syntax error at position 15: expected 'devices' (the only collection supported), found 'jobs'"],
      ['SELECT * FROM devices.modules', 'Syntax error at position 22: only FROM devices is supported (not devices.modules or jobs)'],
      ["SELECT * FROM devices WHERE deviceId = 'a", 'Syntax error at position 40: unterminated string literal'],
      ['SELECT * FROM devices WHERE FOO(deviceId)', 'Syntax error at position 29: unknown function FOO'],
      ['SELECT * FROM devices WHERE (status = 1', "Syntax error at position 40: expected ')', found end of query"],
      ['SELECT * devices', "Syntax error at position 10: expected FROM, found 'devices'"],
      ['SELECT * FROM devices WHERE a = 1 b', "Syntax error at position 35: expected end of query, found 'b'"],
      ['SELECT * FROM devices WHERE a = #', 'Syntax error at position 33: unexpected character "#"'],
    ];
    for (const [sqlText, message] of cases) expect(() => parseQuery(sqlText), sqlText).toThrow(message);
  });
});

describe('query: evaluation over twins', () => {
  it('SELECT * returns full twins; WHERE on deviceId, status, tags, reported, desired', () => {
    const { q } = fleet();
    const all = q('SELECT * FROM devices');
    expect(ids(all)).toEqual(['a', 'b', 'c', "d'quote"]);
    expect(all[0]).toMatchObject({ deviceId: 'a', tags: { floor: 1 }, properties: { desired: { interval: 5, $version: 2 } } });
    expect(ids(q("SELECT * FROM devices WHERE deviceId = 'a'"))).toEqual(['a']);
    expect(ids(q("SELECT * FROM devices WHERE deviceId = 'd''quote'"))).toEqual(["d'quote"]);
    expect(ids(q("SELECT * FROM devices WHERE status = 'disabled'"))).toEqual(['b']);
    expect(ids(q("SELECT * FROM devices WHERE tags.location.region = 'US'"))).toEqual(['a', 'c']);
    expect(ids(q("SELECT * FROM devices WHERE properties.reported.connectivity.type = 'cellular'"))).toEqual(['a']);
    expect(ids(q('SELECT * FROM devices WHERE properties.desired.interval >= 5'))).toEqual(['a']);
  });

  it('comparison operators, AND/OR/NOT precedence and parentheses', () => {
    const { q } = fleet();
    expect(ids(q('SELECT * FROM devices WHERE tags.floor > 1'))).toEqual(['b', 'c']);
    expect(ids(q('SELECT * FROM devices WHERE tags.floor < 2'))).toEqual(['a']);
    expect(ids(q('SELECT * FROM devices WHERE tags.floor <= 2'))).toEqual(['a', 'c']);
    expect(ids(q('SELECT * FROM devices WHERE tags.floor != 2'))).toEqual(['a', 'b']);
    expect(ids(q('SELECT * FROM devices WHERE tags.floor <> 2'))).toEqual(['a', 'b']);
    expect(ids(q("SELECT * FROM devices WHERE tags.floor = 1 OR tags.floor = 3 AND status = 'enabled'"))).toEqual(['a']);
    expect(ids(q("SELECT * FROM devices WHERE (tags.floor = 1 OR tags.floor = 3) AND status = 'disabled'"))).toEqual(['b']);
    expect(ids(q("SELECT * FROM devices WHERE NOT tags.location.region = 'US'"))).toEqual(['b']);
    expect(ids(q('SELECT * FROM devices WHERE properties.reported.ok'))).toEqual(['a']);
    expect(ids(q('SELECT * FROM devices WHERE properties.reported.ok = false'))).toEqual(['b']);
    expect(ids(q("SELECT * FROM devices WHERE deviceId IN ['a', 'c', 'zz']"))).toEqual(['a', 'c']);
    expect(ids(q("SELECT * FROM devices WHERE tags.floor NIN [1, 2]"))).toEqual(['b']);
  });

  it('missing properties and mixed types are Undefined: neither = nor != nor NOT match', () => {
    const { q } = fleet();
    expect(ids(q('SELECT * FROM devices WHERE properties.reported.battery > 50'))).toEqual(['a']); // 'c' has a string
    expect(ids(q('SELECT * FROM devices WHERE properties.reported.battery != 80'))).toEqual(['b']);
    expect(ids(q('SELECT * FROM devices WHERE NOT (properties.reported.battery = 80)'))).toEqual(['b']);
    expect(ids(q('SELECT * FROM devices WHERE tags.nothing = null'))).toEqual([]);
  });

  it('IS_DEFINED and the other functions', () => {
    const { q } = fleet();
    expect(ids(q('SELECT * FROM devices WHERE IS_DEFINED(properties.reported.connectivity)'))).toEqual(['a', 'b']);
    expect(ids(q('SELECT * FROM devices WHERE NOT IS_DEFINED(tags.location)'))).toEqual(["d'quote"]);
    expect(ids(q('SELECT * FROM devices WHERE IS_STRING(properties.reported.battery)'))).toEqual(['c']);
    expect(ids(q("SELECT * FROM devices WHERE STARTSWITH(tags.location.plant, 'Red')"))).toEqual(['a']);
  });

  it('COUNT() with and without AS; projections; TOP', () => {
    const { q } = fleet();
    expect(q('SELECT COUNT() AS n FROM devices')).toEqual([{ n: 4 }]);
    expect(q("SELECT COUNT() AS enabledUs FROM devices WHERE status = 'enabled' AND tags.location.region = 'US'")).toEqual([{ enabledUs: 2 }]);
    expect(q("SELECT COUNT() FROM devices WHERE deviceId = 'none'")).toEqual([{ $1: 0 }]);
    expect(q('SELECT deviceId, tags.location.region AS region FROM devices WHERE tags.floor >= 2')).toEqual([
      { deviceId: 'b', region: 'EU' },
      { deviceId: 'c', region: 'US' },
    ]);
    expect(ids(q('SELECT TOP 1 * FROM devices WHERE tags.floor >= 2'))).toEqual(['b']);
  });
});
