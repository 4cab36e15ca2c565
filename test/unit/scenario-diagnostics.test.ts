import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScenarioError, compileScenarioText, formatDiagnostics } from '../../src/scenario/index.js';

const DIR = 'test/fixtures/scenarios/invalid';

/** Each diagnostic of a fixture as "line:col  path: message", with "  hint: …" when it has one. */
function diagnose(name: string): string[] {
  const file = join(DIR, `${name}.yaml`);
  try {
    compileScenarioText(readFileSync(file, 'utf8'), file);
  } catch (err) {
    if (!(err instanceof ScenarioError)) throw err;
    expect(err.code).toBe('FLEETSIM_E_SCENARIO');
    expect(err.diagnostics.every((d) => d.file === file)).toBe(true);
    return err.diagnostics.flatMap((d) => {
      const head = `${d.line}:${d.col}  ${d.path === '' ? '' : `${d.path}: `}${d.message}`;
      return d.hint === undefined ? [head] : [head, `  hint: ${d.hint}`];
    });
  }
  throw new Error(`${file} compiled without problems`);
}

describe('scenario diagnostics point at the node and say what was expected and found', () => {
  it('unknown top-level key, at the key, with a suggestion', () => {
    expect(diagnose('unknown-top-key')).toEqual([
      '1:1  fleets: missing required key "fleets"',
      '  hint: fleets: the simulated devices, as fleets of identical devices',
      '2:1  fleet: unknown key "fleet"; did you mean "fleets"?',
    ]);
  });

  it('unknown nested key, at the key, with a suggestion', () => {
    expect(diagnose('unknown-nested-key')).toEqual(['7:7  fleets[0].telemetry.evry: unknown key "evry"; did you mean "every"?']);
  });

  it('wrong types', () => {
    expect(diagnose('wrong-type')).toEqual([
      '5:12  fleets[0].count: expected an integer; found "ten"',
      '7:21  fleets[0].transport.cleanSession: expected true or false; found "yes"',
    ]);
  });

  it('bad durations, and bare numbers, with the fix as a hint', () => {
    expect(diagnose('bad-duration')).toEqual([
      '7:14  fleets[0].telemetry.every: expected a duration such as 500ms, 10s or 5m; found "10 seconds"',
      '  hint: write 10s',
      '8:15  fleets[0].telemetry.jitter: expected a duration with a unit such as 500ms, 10s or 5m; found 10',
      '  hint: write 10s',
      '13:15  phases[1].duration: expected a duration such as 500ms, 10s or 5m; found "1 hour"',
      '  hint: write 1h',
    ]);
  });

  it('bad rates, plain and inside a ramp', () => {
    expect(diagnose('bad-rate')).toEqual([
      '9:11  phases[0].rate: expected a rate such as 200/s or 30/min; found "200 per second"',
      '  hint: write 200/s',
      '12:11  phases[1].rate: expected a rate such as 200/s or 30/min, or {from, to} for a ramp; found 200',
      '  hint: write 200/s',
      '15:29  phases[2].rate.to: expected a rate such as 200/s or 30/min; found "fast"',
    ]);
  });

  it('unknown model, listing the known ones', () => {
    expect(diagnose('unknown-model')).toEqual([
      '4:12  fleets[0].model: unknown model "thermostatt"; did you mean "thermostat"?',
      '  hint: built-in models: air-quality, asset-tracker, cold-chain-freezer, cold-room, env-sensor, pump-vibration, smart-meter, soil-probe and thermostat; or a path to a .model.yaml file or a .ts/.js module',
    ]);
  });

  it("bad model params, each at the param's own node, naming the model", () => {
    expect(diagnose('bad-param')).toEqual([
      '7:17  fleets[0].params.setpoint: thermostat (fleet rooms) expects a number at most 35; found 50',
      '  hint: setpoint: target temperature, °C (5–35)',
      '8:7  fleets[0].params.drfit: unknown thermostat (fleet rooms) param "drfit"; did you mean "drift"?',
    ]);
  });

  it('QoS 2', () => {
    expect(diagnose('qos2')).toEqual([
      '6:23  fleets[0].transport.qos: QoS 2 is not supported; use 0 or 1',
      '  hint: QoS 1 (at least once, acknowledged by PUBACK) suits telemetry',
    ]);
  });

  it('duplicate fleet id, at the second one', () => {
    expect(diagnose('duplicate-fleet')).toEqual(['6:9  fleets[1].id: duplicate fleet id "rooms"; fleets[0] already uses it']);
  });

  it('unknown fleet in a connect phase, at the list item', () => {
    expect(diagnose('unknown-fleet')).toEqual([
      '9:21  phases[0].fleets[1]: unknown fleet "room"; did you mean "rooms"?',
      '  hint: fleets are "rooms"',
    ]);
  });

  it('drain that is not the last phase', () => {
    expect(diagnose('drain-not-last')).toEqual([
      '9:11  phases[1].kind: a drain phase must be the last phase; found it at position 2 of 3',
      '  hint: move it to the end: after a drain, devices have stopped sending',
    ]);
  });

  it('unknown metric, unknown phase scope, and a run-only metric scoped to a phase', () => {
    expect(diagnose('unknown-metric')).toEqual([
      '10:3  thresholds["telemetry.latncy"]: unknown metric "telemetry.latncy"; did you mean "telemetry.latency"?',
      '11:3  thresholds["connect.success{phase:stedy}"]: unknown phase "stedy" in {phase:stedy}',
      '  hint: phases are "connect" and "drain"',
      '12:3  thresholds["delivery.lost{phase:connect}"]: delivery.lost is only computed for the whole run; it cannot be scoped to a phase',
      '  hint: write delivery.lost without {phase:connect}',
    ]);
  });

  it('bad threshold expressions, each at its list item', () => {
    expect(diagnose('bad-threshold')).toEqual([
      '12:7  thresholds["telemetry.latency"][1]: expected an aggregation (p(N), avg, min, max, med, count or rate) at the start; found "p99" (in "p99 < 250ms")',
      '  hint: write p(99)',
      '13:18  thresholds["telemetry.latency"][2].threshold: rate does not apply to telemetry.latency, a trend metric; use p(N), avg, min, max, med or count (in "rate > 0.9")',
      '15:21  thresholds["connect.success"][0]: a rate is a fraction from 0 to 1; found "99%" (in "rate > 99%")',
      '  hint: write 0.99',
    ]);
  });

  it('YAML syntax errors, at the line that breaks', () => {
    expect(diagnose('syntax-error')).toEqual([
      '5:4  YAML syntax: sequence item without - indicator',
      '  hint: check the indentation: keys of one map start in the same column, list items with "- "',
    ]);
  });

  it('rules across fields: jitter, backoff, keepalive, topic, placeholders, rates, fleets, spread, names', () => {
    expect(diagnose('cross-field')).toEqual([
      '6:37  fleets[0].telemetry.jitter: expected a jitter less than every (1s); found "1s"',
      '7:34  fleets[0].reconnect.cap: expected a cap of at least base (10s); found "1s"',
      '9:18  fleets[0].transport.keepalive: expected a whole number of seconds from 0s to 65535s; found "1500ms"',
      '10:14  fleets[0].transport.topic: a telemetry topic cannot start with $ (reserved for broker topics such as $SYS); found "$SYS/{deviceId}"',
      '14:16  fleets[1].idPattern: unknown placeholder {idx}; use one of {fleet}, {index}',
      '15:9  fleets[2].id: fleet "c" is never connected: no connect phase includes it',
      "  hint: add c to a connect phase's fleets, or leave fleets: out to connect every fleet",
      '20:11  phases[0].rate: expected a rate above 0; found "0/s"',
      '23:13  phases[1].fleets: every device in fleet a is already connected by phase connect',
      '  hint: remove this phase, or list fleets not connected yet',
      '29:13  phases[3].spread: expected a spread of at most the phase duration (5s); found "10s"',
      '33:11  phases[4].name: duplicate phase name "disconnect-storm"; phases[3] is already called that',
    ]);
  });

  it('reports every problem at once, schema and semantic together, sorted by position', () => {
    expect(diagnose('many-errors')).toEqual([
      '6:12  fleets[0].count: expected an integer at least 1; found 0',
      '8:12  fleets[0].transport.qos: QoS 2 is not supported; use 0 or 1',
      '  hint: QoS 1 (at least once, acknowledged by PUBACK) suits telemetry',
      '10:14  fleets[0].telemetry.every: expected a duration with a unit such as 500ms, 10s or 5m; found 10',
      '  hint: write 10s',
      '12:3  phases: no connect phase: no device would ever connect',
      '  hint: start with e.g. "- kind: connect" and "rate: 100/s"',
      '14:11  phases[1].kind: expected one of "connect", "steady", "spike", "disconnect-storm", "invoke-method", "twin-update", "file-upload", "firmware-rollout" or "drain"; found "conect"; did you mean "connect"?',
      '17:23  thresholds["telemetry.latency"][0]: expected a time unit us, µs, ms, s or m after 2; found "weeks" (in "p(99) < 2 weeks")',
    ]);
  });
});

describe('formatDiagnostics', () => {
  it('prints file:line:col, the path, the message, an indented hint and a count, without colors', () => {
    const text = formatDiagnostics([
      { file: 'scenarios/bad.yaml', line: 14, col: 3, path: 'phases', message: 'no connect phase' },
      {
        file: 'scenarios/bad.yaml',
        line: 12,
        col: 7,
        path: 'fleets[0].telemetry.every',
        message: 'expected a duration such as 500ms, 10s or 5m; found "10 seconds"',
        hint: 'write 10s',
      },
      { file: 'scenarios/bad.yaml', line: 1, col: 1, path: '', message: 'YAML syntax: oops' },
    ]);
    expect(text).toBe(
      [
        'scenarios/bad.yaml:1:1  YAML syntax: oops',
        'scenarios/bad.yaml:12:7  fleets[0].telemetry.every: expected a duration such as 500ms, 10s or 5m; found "10 seconds"',
        '    hint: write 10s',
        'scenarios/bad.yaml:14:3  phases: no connect phase',
        '3 problems',
      ].join('\n'),
    );
    expect(formatDiagnostics([{ file: 'a.yaml', line: 2, col: 1, path: 'x', message: 'm' }])).toBe('a.yaml:2:1  x: m\n1 problem');
  });

  it('ScenarioError has a headline message, the sorted diagnostics, and survives JSON', () => {
    const err = new ScenarioError([
      { file: 'a.yaml', line: 9, col: 1, path: 'b', message: 'second' },
      { file: 'a.yaml', line: 2, col: 5, path: 'a', message: 'first' },
    ]);
    expect(err.message).toBe('invalid scenario a.yaml: 2 problems');
    expect(err.diagnostics.map((d) => d.message)).toEqual(['first', 'second']);
    expect(err.exitCode()).toBe(2);
    expect(JSON.parse(JSON.stringify(err))).toMatchObject({ code: 'FLEETSIM_E_SCENARIO', diagnostics: [{ line: 2 }, { line: 9 }] });
  });
});

describe('fleet sensors and mcu', () => {
  it('names the channel, the unit and the allowed range', () => {
    expect(diagnose('bad-sensors')).toEqual([
      '7:7  fleets[0].sensors.humidty: env-sensor has no channel "humidty"; did you mean "humidity"?',
      '  hint: numeric channels: temperature, humidity, pressure, batteryVoltage and batterySoc',
      '8:7  fleets[0].sensors.batteryDead: env-sensor channel "batteryDead" is not numeric (flag)',
      '  hint: numeric channels: temperature, humidity, pressure, batteryVoltage and batterySoc',
      '9:28  fleets[0].sensors.pressure.noiseSd: pressure sensor: expected a number from 0 to 1000000 hPa; found -1',
      '9:42  fleets[0].sensors.pressure.decimals: pressure sensor: expected a whole number from 0 to 6; found 9',
      '10:19  fleets[0].mcu.sleep: expected "none" or "deep"; found "light"',
      '10:41  fleets[0].mcu.clockDriftPpm: expected a number at most 1000; found 5000',
    ]);
  });
});
