/**
 * Fleets: model and params (checked by the model's own schema), id patterns, topics, and the cross-field rules the
 * schema cannot express. Checks run on whatever parts of a fleet are well typed, so one wrong field does not hide
 * the others' problems.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDuration } from '../core/duration.js';
import { TemplateError, compileTemplate, placeholders } from '../core/template.js';
import type { AnyDeviceModel } from '../devices/model.js';
import type { ModelRef } from '../devices/model-ref.js';
import { EMBEDDED_ID_SCOPE } from '../iothub/fleet-keys.js';
import { parseConnectionString } from '../iothub/connection-string.js';
import { connectionStringUrl, iothubProblems } from './compile-iothub.js';
import { isMap, rawItems, rawString, type CompileContext, type RawMap } from './compile-context.js';
import type { ModelCatalog } from './compile-models.js';
import { keyDescription, problem, type DocPath, type Problem } from './issues.js';
import { isNumericChannel } from '../devices/model.js';
import { channelSensorSchema } from '../devices/models/common.js';
import type { ChannelSensorPlan, FleetPlan, TlsPlan } from './plan.js';
import { DEFAULT_ID_PATTERN, DEFAULT_TOPIC, FleetSchema, type FleetSpec } from './schema.js';
import { didYouMean, listAnd, quoteAll } from './wording.js';

export interface FleetsResult {
  /** Plans in declaration order, or undefined when any fleet is invalid. */
  readonly plans: FleetPlan[] | undefined;
  /** Ids as written, aligned with the fleets list (undefined where mistyped), for references from phases. */
  readonly ids: readonly (string | undefined)[];
  /** The distinct ids. */
  readonly known: readonly string[];
}

const ms = (text: string) => parseDuration(text) as number;

export function compileFleets(raw: unknown, ctx: CompileContext, models: ModelCatalog): FleetsResult {
  const items = rawItems(raw);
  const plans: (FleetPlan | undefined)[] = [];
  const ids: (string | undefined)[] = [];
  const seen = new Map<string, number>();
  let firstIndex = 0;
  items.forEach((item, i) => {
    const at: DocPath = ['fleets', i];
    const id = rawString(item, 'id');
    if (id !== undefined) {
      const earlier = seen.get(id);
      if (earlier !== undefined) ctx.report(problem([...at, 'id'], `duplicate fleet id ${JSON.stringify(id)}; fleets[${earlier}] already uses it`));
      else seen.set(id, i);
    }
    ids.push(id);
    const name = rawString(item, 'model');
    const resolved = name === undefined ? undefined : models.resolve(name, [...at, 'model']);
    const params = checkParams(item, at, ctx, resolved?.model);
    const sensors = checkSensors(item, at, ctx, resolved?.model);
    checkTemplates(item, at, ctx);
    const parsed = FleetSchema.safeParse(item);
    if (!parsed.success || resolved === undefined || params === undefined || sensors === undefined) {
      plans.push(undefined);
      return;
    }
    if (!checkFleet(parsed.data, at, ctx)) plans.push(undefined);
    else plans.push(fleetPlan(parsed.data, resolved.ref, params, sensors, firstIndex, ctx.dir));
    firstIndex += parsed.data.count;
  });
  checkDistinctIds(items, ctx);
  const complete = plans.every((p): p is FleetPlan => p !== undefined);
  return { plans: complete && items.length > 0 ? plans : undefined, ids, known: [...seen.keys()] };
}

/** The model's validated params (defaults applied), or undefined after reporting why not. */
function checkParams(item: unknown, at: DocPath, ctx: CompileContext, model: AnyDeviceModel | undefined): Readonly<Record<string, unknown>> | undefined {
  if (model === undefined) return undefined;
  const name = model.name;
  const raw = isMap(item) ? (item.params ?? {}) : {};
  if (!isMap(raw)) return undefined; // the schema reports the wrong type
  const result = ctx.mapper.parse(model.params, raw);
  if (result.ok) return result.value as Record<string, unknown>;
  for (const p of result.problems) {
    const key = p.path[0];
    const described = p.hint === undefined && typeof key === 'string' ? keyDescription(model.params, key) : undefined;
    const fleet = rawString(item, 'id');
    const who = fleet === undefined ? name : `${name} (fleet ${fleet})`;
    ctx.report(paramProblem(described === undefined ? p : { ...p, hint: `${key as string}: ${described}` }, [...at, 'params'], who, name));
  }
  return undefined;
}

/**
 * The fleet's `sensors:` map: each key must be a numeric channel of the model, each value sensor realism in that
 * channel's unit. Undefined after reporting why not (or when the model is unknown: checkModel reports that).
 */
function checkSensors(
  item: unknown,
  at: DocPath,
  ctx: CompileContext,
  model: AnyDeviceModel | undefined,
): Readonly<Record<string, ChannelSensorPlan>> | undefined {
  const raw = isMap(item) ? (item.sensors ?? {}) : {};
  if (!isMap(raw) || model === undefined) return undefined; // the schema / the model resolver report it
  const channels = Object.keys(model.channels).filter((c) => isNumericChannel(model.channels[c]));
  const out: Record<string, ChannelSensorPlan> = {};
  let ok = true;
  for (const [channel, spec] of Object.entries(raw)) {
    const path = [...at, 'sensors', channel];
    const info = model.channels[channel];
    if (info === undefined || !isNumericChannel(info)) {
      const what = info === undefined ? `${model.name} has no channel ${JSON.stringify(channel)}` : `${model.name} channel ${JSON.stringify(channel)} is not numeric (${info.unit})`;
      ctx.report(problem(path, `${what}${didYouMean(channel, channels)}`, `numeric channels: ${listAnd(channels)}`, 'key'));
      ok = false;
      continue;
    }
    const result = ctx.mapper.parse(channelSensorSchema(info.unit), spec ?? {});
    if (result.ok) out[channel] = result.value;
    else {
      ok = false;
      for (const p of result.problems) ctx.report(problem([...path, ...p.path], `${channel} sensor: ${p.message}`, p.hint, p.at));
    }
  }
  return ok ? out : undefined;
}

/** Rewords a params problem to name the model and fleet: "thermostat (fleet rooms) expects a number at most 35; found 50". */
function paramProblem(p: Problem, prefix: DocPath, who: string, model: string): Problem {
  const m = p.message;
  const message = m.startsWith('unknown key ')
    ? `unknown ${who} param ${m.slice('unknown key '.length)}`
    : m.startsWith('missing required key ')
      ? `missing required ${who} param ${m.slice('missing required key '.length)}`
      : m.startsWith('expected ')
        ? `${who} expects ${m.slice('expected '.length)}`
        : `${who}: ${m}`;
  const hint = p.hint?.replace(/^allowed keys here: /, `${model} params: `);
  return problem([...prefix, ...p.path], message, hint, p.at);
}

function checkTemplates(item: unknown, at: DocPath, ctx: CompileContext): void {
  const idPattern = isMap(item) && item.idPattern === undefined ? DEFAULT_ID_PATTERN : rawString(item, 'idPattern');
  if (idPattern !== undefined) {
    const path = [...at, 'idPattern'];
    const ok = template(idPattern, ['fleet', 'index'], path, ctx);
    const count = isMap(item) ? item.count : undefined;
    if (ok && typeof count === 'number' && count > 1 && !placeholders(idPattern).includes('index')) {
      ctx.report(problem(path, `with count ${count} every device would get the id ${JSON.stringify(idPattern)}; the pattern needs {index}`, `e.g. "${idPattern}-{index:04}"`));
    }
  }
  const transport = isMap(item) ? item.transport : undefined;
  const topic = rawString(transport, 'topic');
  if (topic === undefined) return;
  const path = [...at, 'transport', 'topic'];
  if (/[+#]/.test(topic)) {
    ctx.report(problem(path, `a telemetry topic cannot contain the MQTT wildcards + or #; found ${JSON.stringify(topic)}`));
  } else if (topic.startsWith('$')) {
    ctx.report(problem(path, `a telemetry topic cannot start with $ (reserved for broker topics such as $SYS); found ${JSON.stringify(topic)}`));
  } else {
    template(topic, ['deviceId', 'fleet', 'index'], path, ctx);
  }
}

function template(text: string, allowed: readonly string[], path: DocPath, ctx: CompileContext): boolean {
  try {
    compileTemplate(text, allowed);
    return true;
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    ctx.report(problem(path, err.message));
    return false;
  }
}

/** Rules across fields of one fleet. */
function checkFleet(f: FleetSpec, at: DocPath, ctx: CompileContext): boolean {
  const found: Problem[] = [];
  const { every, jitter } = f.telemetry;
  if (ms(jitter) >= ms(every)) {
    found.push(problem([...at, 'telemetry', 'jitter'], `expected a jitter less than every (${every}); found ${JSON.stringify(jitter)}`));
  }
  const { base, cap } = f.reconnect;
  if (ms(cap) < ms(base)) found.push(problem([...at, 'reconnect', 'cap'], `expected a cap of at least base (${base}); found ${JSON.stringify(cap)}`));
  const keepalive = ms(f.transport.keepalive);
  if (!Number.isInteger(keepalive / 1000) || keepalive > 65_535_000) {
    found.push(problem([...at, 'transport', 'keepalive'], `expected a whole number of seconds from 0s to 65535s; found ${JSON.stringify(f.transport.keepalive)}`));
  }
  const t = f.transport;
  if (t.dialect === 'iothub' && t.mqttVersion !== '3.1.1') {
    found.push(problem([...at, 'transport', 'mqttVersion'], 'IoT Hub speaks MQTT 3.1.1 only (its MQTT 5 preview is retired)', 'remove mqttVersion or set "3.1.1"'));
  }
  if (t.dialect === 'iothub' && t.topic !== undefined && t.topic !== DEFAULT_TOPIC) {
    found.push(problem([...at, 'transport', 'topic'], 'with dialect iothub the telemetry topic is devices/{deviceId}/messages/events/…', 'remove topic'));
  }
  if (t.dialect !== 'iothub' && t.iothub !== undefined) {
    found.push(problem([...at, 'transport', 'iothub'], 'iothub settings need dialect: iothub', 'add dialect: iothub to the transport'));
  }
  found.push(...iothubProblems(f, at));
  const tls = f.transport.tls;
  if (tls !== undefined) {
    const tlsAt = [...at, 'transport', 'tls'];
    if ((tls.cert === undefined) !== (tls.key === undefined)) {
      const has = tls.cert === undefined ? 'key' : 'cert';
      found.push(problem(tlsAt, `${has} is given without ${has === 'key' ? 'cert' : 'key'}; mutual TLS needs both`));
    }
    for (const key of ['ca', 'cert', 'key'] as const) {
      const file = tls[key];
      if (file !== undefined && !existsSync(resolve(ctx.dir, file))) {
        found.push(problem([...tlsAt, key], `file not found: ${resolve(ctx.dir, file)}`, 'paths are relative to the scenario file'));
      }
    }
  }
  found.forEach((p) => ctx.report(p));
  return found.length === 0;
}

/** Two fleets whose patterns render the same ids would share MQTT client ids and kick each other off. */
function checkDistinctIds(items: readonly unknown[], ctx: CompileContext): void {
  const rendered = new Map<string, string>();
  items.forEach((item, i) => {
    if (!isMap(item)) return;
    const id = rawString(item, 'id');
    const pattern = (item as RawMap).idPattern === undefined ? DEFAULT_ID_PATTERN : rawString(item, 'idPattern');
    if (id === undefined || pattern === undefined) return;
    const shape = pattern.replaceAll('{fleet}', id);
    const other = rendered.get(shape);
    if (other !== undefined && other !== id) {
      ctx.report(problem(['fleets', i, 'idPattern'], `fleets ${quoteAll([other, id]).join(' and ')} would give their devices the same ids`, 'put {fleet} in the idPattern'));
    } else rendered.set(shape, id);
  });
}

function fleetPlan(
  f: FleetSpec,
  ref: ModelRef,
  params: Readonly<Record<string, unknown>>,
  sensors: Readonly<Record<string, ChannelSensorPlan>>,
  firstIndex: number,
  dir: string,
): FleetPlan {
  const mcu = f.mcu;
  const deep = mcu.sleep === 'deep';
  const t = f.transport;
  const cs = t.iothub?.connectionString === undefined ? undefined : parseConnectionString(t.iothub.connectionString);
  const tls: TlsPlan | undefined =
    t.tls === undefined
      ? undefined
      : {
          caFile: t.tls.ca === undefined ? undefined : resolve(dir, t.tls.ca),
          certFile: t.tls.cert === undefined ? undefined : resolve(dir, t.tls.cert),
          keyFile: t.tls.key === undefined ? undefined : resolve(dir, t.tls.key),
          rejectUnauthorized: t.tls.rejectUnauthorized,
          servername: t.tls.servername,
        };
  return {
    id: f.id,
    model: ref.name,
    modelRef: ref,
    params,
    count: f.count,
    firstIndex,
    // A connection string names its one device.
    idPattern: cs?.deviceId ?? f.idPattern,
    transport: {
      dialect: t.dialect,
      // hostName and groupKey are filled in by compile.ts, which knows the target and the seed.
      iothub:
        t.dialect === 'iothub'
          ? {
              hostName: t.iothub?.hostName ?? cs?.hostName ?? '',
              groupKey: t.iothub?.groupKey ?? '',
              modelId: t.iothub?.modelId,
              sasTtlMs: ms(t.iothub?.sasTtl ?? '1h'),
              provisioning: t.iothub?.provisioning ?? 'none',
              idScope: t.iothub?.idScope ?? EMBEDDED_ID_SCOPE,
              auth: cs?.x509 === true ? (t.iothub?.auth ?? 'x509-self-signed') : (t.iothub?.auth ?? 'sas'),
              deviceKey: cs?.sharedAccessKey,
              certDir: undefined,
              protocol: t.iothub?.protocol ?? 'mqtt',
              c2dPollMs: ms(t.iothub?.c2dPollInterval ?? '25m'),
              httpsUrl: t.iothub?.httpsUrl,
            }
          : undefined,
      client: t.client,
      protocolVersion: t.mqttVersion === '3.1.1' ? 4 : 5,
      qos: t.qos,
      keepaliveS: ms(t.keepalive) / 1000,
      cleanSession: t.cleanSession,
      topic: t.topic ?? DEFAULT_TOPIC,
      connectTimeoutMs: ms(t.connectTimeout),
      username: t.username,
      password: t.password,
      tls,
      url: cs === undefined ? undefined : connectionStringUrl(cs),
    },
    telemetry: {
      everyMs: ms(f.telemetry.every),
      jitterMs: ms(f.telemetry.jitter),
      format: f.telemetry.format,
      // A deep sleeper holds the readings of the wakes between connections whatever buffer says.
      bufferSize: deep ? Math.max(f.telemetry.buffer, mcu.connectEvery) : f.telemetry.buffer,
    },
    reconnect: { baseMs: ms(f.reconnect.base), capMs: ms(f.reconnect.cap), maxAttempts: f.reconnect.maxAttempts ?? null },
    mcu: {
      bootMs: ms(mcu.bootTime),
      clockDriftPpm: mcu.clockDriftPpm,
      clockSyncMs: ms(mcu.clockSync),
      watchdogResetsPerDay: mcu.watchdogResetsPerDay,
      sleep: mcu.sleep,
      connectEvery: mcu.connectEvery,
    },
    sensors,
  };
}
