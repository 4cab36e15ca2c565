/** The composed model definition schema: defaults, and every problem with its path (relative to the definition) and message. */
import { describe, expect, it } from 'vitest';
import { composedModelSchema, modelFileSchema } from '../../src/devices/compose/index.js';
import { IssueMapper } from '../../src/scenario/issues.js';

interface Found {
  path: (string | number)[];
  message: string;
}

function problems(def: unknown): Found[] {
  const r = composedModelSchema.safeParse(def);
  if (r.success) return [];
  return r.error.issues.map((i) => ({ path: i.path as (string | number)[], message: i.message }));
}

/** The one problem at `path`. */
function at(def: unknown, path: (string | number)[]): string {
  const all = problems(def);
  const here = all.filter((p) => JSON.stringify(p.path) === JSON.stringify(path));
  expect(here, `problems: ${JSON.stringify(all, null, 2)}`).toHaveLength(1);
  return (here[0] as Found).message;
}

const AIR = { kind: 'thermal', params: { setpointC: 20 } };
const ok = (extra: Record<string, unknown> = {}) => ({ blocks: { air: AIR }, channels: { t: { from: 'air.temperatureC' } }, ...extra });

describe('a valid definition', () => {
  it('parses with defaults applied: complete params, decimals 2, sensor params in full', () => {
    const def = composedModelSchema.parse({
      blocks: {
        air: AIR,
        rh: { kind: 'humidity', temperature: 'air.temperatureC' },
        bat: { kind: 'battery', dutyCycle: { activeMs: 500 } },
      },
      channels: { t: { from: 'air.temperatureC', sensor: { noiseSd: 0.1 } }, h: { from: 'rh.rhPercent', decimals: 1 }, on: { from: 'air.actuatorOn' } },
      dead: 'bat',
    });
    expect(def.blocks.air?.params).toMatchObject({ mode: 'heat', setpointC: 20, tauMinutes: 300, hysteresisC: 0.5 });
    expect(def.blocks.rh?.params).toMatchObject({ targetRhPercent: 45 });
    expect(def.blocks.bat?.dutyCycle).toEqual({ activeMs: 500, activeMa: 25, sleepUa: 8 });
    expect(def.channels.t?.decimals).toBe(2);
    expect(def.channels.t?.sensor).toMatchObject({ noiseSd: 0.1, bits: 0, offset: 0, faults: { dropoutRatePerHour: 0 } });
    expect(def.channels.h?.decimals).toBe(1);
    expect(def.channels.h?.sensor).toBeUndefined();
    expect(Object.keys(def.blocks)).toEqual(['air', 'rh', 'bat']);
    expect(def.dead).toBe('bat');
  });

  it('a model file takes a name; a definition does not', () => {
    expect(modelFileSchema.parse({ name: 'greenhouse-probe', ...ok() }).name).toBe('greenhouse-probe');
    expect(at({ name: 'Bad Name', ...ok() }, [])).toMatch(/name/);
    expect(modelFileSchema.safeParse({ name: 'Bad Name', ...ok() }).error?.issues[0]?.message).toBe('expected a model name of lowercase letters, digits and -; found "Bad Name"');
  });
});

describe('blocks', () => {
  it('unknown kind: lists the known kinds, with a did-you-mean', () => {
    expect(at(ok({ blocks: { air: { kind: 'thermel' } } }), ['blocks', 'air', 'kind'])).toBe(
      'expected a block kind: "thermal", "humidity", "pressure", "vibration", "gps", "battery", "meter", "co2", "soil", "constant", "daily" or "random-walk"; found "thermel"; did you mean "thermal"?',
    );
  });

  it('missing kind, and a block that is not a map', () => {
    expect(at(ok({ blocks: { air: { params: {} } } }), ['blocks', 'air', 'kind'])).toMatch(/^missing required key "kind": one of "thermal", /);
    expect(at(ok({ blocks: { air: 5 } }), ['blocks', 'air'])).toMatch(/^expected a block: a map with kind .*; found 5$/);
  });

  it('no blocks', () => {
    expect(at({ blocks: {}, channels: { t: { from: 'air.temperatureC' } } }, ['blocks'])).toBe('expected at least one block (name: { kind, params }); found an empty map');
  });

  it('a param out of range names the range and unit; an unknown param is reported at the params', () => {
    expect(at(ok({ blocks: { air: { kind: 'thermal', params: { setpointC: 500 } } } }), ['blocks', 'air', 'params', 'setpointC'])).toBe('expected a number from -100 to 200 °C; found 500');
    expect(at(ok({ blocks: { air: { kind: 'thermal', params: { mode: 'warm' } } } }), ['blocks', 'air', 'params', 'mode'])).toBe('expected "heat" or "cool"; found "warm"');
    expect(at(ok({ blocks: { air: { kind: 'thermal', params: { setpoint: 20 } } } }), ['blocks', 'air', 'params'])).toMatch(/setpoint/);
  });

  it('cross-field param checks', () => {
    const soil = { kind: 'soil', params: { wiltingPointPercent: 20, fieldCapacityPercent: 15 } };
    expect(at({ blocks: { soil }, channels: { m: { from: 'soil.moisturePercent' } } }, ['blocks', 'soil', 'params', 'fieldCapacityPercent'])).toBe(
      'expected more than wiltingPointPercent (20 %VWC); found 15',
    );
    const gps = { kind: 'gps', params: { route: [[52, 13], [52, 13]] } };
    expect(at({ blocks: { gps }, channels: { lat: { from: 'gps.lat' } } }, ['blocks', 'gps', 'params', 'route'])).toBe('expected at least 2 distinct waypoints; found one place repeated');
  });

  it('an unknown key on a block', () => {
    expect(at(ok({ blocks: { air: { kind: 'thermal', temperature: 3 } } }), ['blocks', 'air'])).toMatch(/temperature/);
  });

  it('block names: letters, digits, _ and -; no dots (they separate block and output)', () => {
    expect(at({ blocks: { 'a.b': AIR }, channels: { t: { from: 'x.y' } } }, ['blocks', 'a.b'])).toBe(
      'expected a block name of letters, digits, _ and - (not starting with a digit or -); found "a.b"',
    );
  });

  it('signal blocks: unit is a unit of a number', () => {
    const def = { blocks: { c: { kind: 'constant', unit: 'flag' } }, channels: { c: { from: 'c.value' } } };
    expect(at(def, ['blocks', 'c', 'unit'])).toBe('expected a unit of a number, e.g. "lx"; found "flag"');
  });
});

describe('inputs', () => {
  it('a number out of range, or something that is neither number nor reference', () => {
    const rh = (temperature: unknown) => ok({ blocks: { air: AIR, rh: { kind: 'humidity', temperature } } });
    expect(at(rh(500), ['blocks', 'rh', 'temperature'])).toBe('expected a number from -80 to 100 °C or a reference "block.output" to an earlier block; found 500');
    expect(at(rh('air'), ['blocks', 'rh', 'temperature'])).toBe('expected a reference "block.output", e.g. "air.temperatureC"; found "air"');
    expect(at(rh(true), ['blocks', 'rh', 'temperature'])).toMatch(/^expected a number from -80 to 100 °C or a reference .*; found true$/);
  });

  it('a reference to an unknown block lists the blocks', () => {
    const def = ok({ blocks: { air: AIR, rh: { kind: 'humidity', temperature: 'ari.temperatureC' } } });
    expect(at(def, ['blocks', 'rh', 'temperature'])).toBe('expected "block.output" naming a block ("air" or "rh"); found block "ari"; did you mean "air"?');
  });

  it("a reference to an unknown output lists that block's outputs", () => {
    const def = ok({ blocks: { air: AIR, rh: { kind: 'humidity', temperature: 'air.temperature' } } });
    expect(at(def, ['blocks', 'rh', 'temperature'])).toBe(
      'expected an output of block "air" (thermal): "temperatureC", "actuatorOn", "cycles", "actuatorOnMinutes" or "doorOpenings"; found "temperature"; did you mean "temperatureC"?',
    );
  });

  it('a reference to a later block (blocks are stepped in order), or to the block itself', () => {
    const later = ok({ blocks: { rh: { kind: 'humidity', temperature: 'air.temperatureC' }, air: AIR } });
    expect(at(later, ['blocks', 'rh', 'temperature'])).toBe(
      'expected the output of a block before "rh" (blocks are stepped in order: rh, air); found "air.temperatureC", of a later block; move "air" above "rh"',
    );
    const self = ok({ blocks: { air: AIR, bat: { kind: 'battery', currentMa: 'bat.currentMa' } } });
    expect(at(self, ['blocks', 'bat', 'currentMa'])).toBe(`expected the output of an earlier block; found "bat.currentMa", the block's own output`);
  });

  it('an input needs a numeric output in its unit', () => {
    const flag = ok({ blocks: { air: AIR, rh: { kind: 'humidity', temperature: 'air.actuatorOn' } } });
    expect(at(flag, ['blocks', 'rh', 'temperature'])).toBe('expected a numeric output (°C); found "air.actuatorOn", which is true or false');
    const unit = ok({ blocks: { air: AIR, rh: { kind: 'humidity', temperature: 'air.temperatureC' }, bat: { kind: 'battery', temperature: 'rh.rhPercent' } } });
    expect(at(unit, ['blocks', 'bat', 'temperature'])).toBe('expected an output in °C; found "rh.rhPercent" in %RH');
    // A signal block without a unit fits any input.
    expect(problems(ok({ blocks: { air: AIR, sun: { kind: 'daily' }, bat: { kind: 'battery', currentMa: 'sun.value' } } }))).toEqual([]);
  });

  it('battery: currentMa or dutyCycle, not both; a duty cycle is checked like the models do', () => {
    const both = ok({ blocks: { air: AIR, bat: { kind: 'battery', currentMa: 5, dutyCycle: {} } } });
    expect(at(both, ['blocks', 'bat', 'dutyCycle'])).toBe('expected currentMa or dutyCycle, not both; found both');
    const slow = ok({ blocks: { air: AIR, bat: { kind: 'battery', dutyCycle: { activeMa: -1 } } } });
    expect(at(slow, ['blocks', 'bat', 'dutyCycle', 'activeMa'])).toBe('expected a number from 0 to 2000 mA; found -1');
  });
});

describe('channels', () => {
  it('none', () => {
    expect(at({ blocks: { air: AIR }, channels: {} }, ['channels'])).toBe('expected at least one channel (name: { from: block.output }); found an empty map');
    expect(at({ blocks: { air: AIR } }, ['channels'])).toMatch(/^expected a map of channels/);
  });

  it('from: an unknown block or output', () => {
    expect(at(ok({ channels: { t: { from: 'room.temperatureC' } } }), ['channels', 't', 'from'])).toBe('expected "block.output" naming a block ("air"); found block "room"');
    expect(at(ok({ channels: { t: { from: 'air.temp' } } }), ['channels', 't', 'from'])).toMatch(/^expected an output of block "air" \(thermal\): .*; found "temp"/);
    expect(at(ok({ channels: { t: { from: 'airtemperatureC' } } }), ['channels', 't', 'from'])).toBe('expected a reference "block.output", e.g. "air.temperatureC"; found "airtemperatureC"');
  });

  it('decimals 0–6', () => {
    expect(at(ok({ channels: { t: { from: 'air.temperatureC', decimals: 7 } } }), ['channels', 't', 'decimals'])).toBe('expected a whole number from 0 to 6 decimals; found 7');
    expect(at(ok({ channels: { t: { from: 'air.temperatureC', decimals: 1.5 } } }), ['channels', 't', 'decimals'])).toBe('expected a whole number from 0 to 6 decimals; found 1.5');
  });

  it('sensor: in the output unit, checked like a model param', () => {
    const sensor = (s: unknown) => ok({ channels: { t: { from: 'air.temperatureC', sensor: s } } });
    expect(at(sensor({ noiseSd: -1 }), ['channels', 't', 'sensor', 'noiseSd'])).toBe('expected a number from 0 to 1000000 °C; found -1');
    expect(at(sensor({ noiseSD: 1 }), ['channels', 't', 'sensor', 'noiseSD'])).toBe('unknown key "noiseSD"; did you mean "noiseSd"?');
    expect(at(sensor({ faults: { spikes: 1 } }), ['channels', 't', 'sensor', 'faults', 'spikes'])).toMatch(/^unknown key "spikes"; /);
    expect(at(sensor({ faults: { spikeMagnitude: -2 } }), ['channels', 't', 'sensor', 'faults', 'spikeMagnitude'])).toBe('expected a number from 0 to 1000000 °C; found -2');
    expect(at(sensor(3), ['channels', 't', 'sensor'])).toMatch(/^expected a map of sensor settings \(noiseSd, .*\); found 3$/);
  });

  it('decimals and sensor only on numeric outputs', () => {
    expect(at(ok({ channels: { on: { from: 'air.actuatorOn', sensor: { noiseSd: 1 } } } }), ['channels', 'on', 'sensor'])).toBe(
      'expected sensor only on a numeric output; found "air.actuatorOn", which is true or false',
    );
    expect(at(ok({ channels: { on: { from: 'air.actuatorOn', decimals: 1 } } }), ['channels', 'on', 'decimals'])).toBe(
      'expected decimals only on a numeric output; found "air.actuatorOn", which is true or false',
    );
  });

  it('channel names', () => {
    expect(at(ok({ channels: { '1st': { from: 'air.temperatureC' } } }), ['channels', '1st'])).toMatch(/^expected a channel name of letters/);
  });
});

describe('dead', () => {
  it('names a battery block', () => {
    expect(at(ok({ dead: 'air' }), ['dead'])).toBe('expected a battery block; found "air", a thermal block');
    const withBattery = ok({ blocks: { air: AIR, battery: { kind: 'battery' } }, dead: 'batery' });
    expect(at(withBattery, ['dead'])).toBe('expected the name of a battery block ("battery"); found "batery"; did you mean "battery"?');
    expect(at(ok({ dead: 'bat' }), ['dead'])).toBe('expected the name of a battery block (there is none); found "bat"');
  });
});

describe('all problems at once', () => {
  it('param, reference and channel problems are reported together', () => {
    const def = {
      blocks: { air: { kind: 'thermal', params: { setpointC: 900 } }, rh: { kind: 'humidity', temperature: 'soil.x' } },
      channels: { t: { from: 'air.temperatureC', decimals: 9 }, h: { from: 'rh.rh' } },
      dead: 'rh',
    };
    expect(problems(def).map((p) => p.path.join('.'))).toEqual(
      expect.arrayContaining(['blocks.air.params.setpointC', 'blocks.rh.temperature', 'channels.t.decimals', 'channels.h.from', 'dead']),
    );
  });
});

describe('through the scenario compiler’s IssueMapper', () => {
  it('keeps the messages and paths, and suggests the intended param key', () => {
    const mapper = new IssueMapper();
    const r = mapper.parse(composedModelSchema, {
      blocks: { air: { kind: 'thermal', params: { setpont: 20 } }, rh: { kind: 'humidity', temperature: 'air.temp' } },
      channels: { t: { from: 'air.temperatureC' } },
    });
    expect(r.ok).toBe(false);
    const found = r.ok ? [] : r.problems.map((p) => ({ path: p.path.join('.'), message: p.message }));
    expect(found).toContainEqual({ path: 'blocks.air.params.setpont', message: 'unknown key "setpont"; did you mean "setpointC"?' });
    expect(found.find((p) => p.path === 'blocks.rh.temperature')?.message).toMatch(/did you mean "temperatureC"\?$/);
  });
});
