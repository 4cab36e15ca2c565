/**
 * The scenario DSL, version 1, as a zod schema. Strict everywhere: an unknown key is an error, never ignored.
 * Every field carries a description: `npm run schema` turns this file into scenarios/schema.json for editors.
 * Values stay as written (durations and rates are strings); compile.ts turns them into a RunPlan.
 */
import { METRIC_NAMES } from '../metrics/names.js';
import { z } from '../core/zod.js';
import { describeFound } from './wording.js';
import { TransportSchema } from './schema-transport.js';
import { duration, identifier, rate, rateOrRamp, targetSpec } from './fields.js';

export const DEFAULT_ID_PATTERN = '{fleet}-{index:06}';
export { DEFAULT_TOPIC } from './schema-transport.js';
/** Timeout of the drain phase appended when a scenario has none. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 5000;

const TelemetrySchema = z
  .strictObject({
    every: duration({ minMs: 1 }).default('10s').describe('interval between two telemetry messages of a device (at least 1ms)'),
    jitter: duration()
      .default('0s')
      .describe('each interval varies by ± up to this much (seeded); must be less than every'),
    buffer: z
      .int()
      .min(0)
      .max(100_000)
      .default(0)
      .describe(
        'store-and-forward: readings kept while offline (a ring; when full the oldest is dropped) and sent on reconnect; 0 = off, offline readings are skipped',
      ),
    format: z
      .enum(['json', 'cbor'])
      .default('json')
      .describe('payload encoding: a JSON object {deviceId, seq, ts, …readings}, or the same map in CBOR (smaller, binary)'),
  })
  .prefault({})
  .describe('when devices send telemetry, and how it is encoded');

const ReconnectSchema = z
  .strictObject({
    base: duration({ positive: true }).default('1s').describe('first backoff step; delays grow as base × 2^attempt'),
    cap: duration({ positive: true }).default('30s').describe('longest backoff delay; at least base'),
    maxAttempts: z
      .int()
      .min(0)
      .optional()
      .describe('give up after this many failed attempts in a row; omit to keep trying until the run ends'),
  })
  .prefault({})
  .describe('how a device reconnects after losing its connection: exponential backoff with full jitter');

const McuSchema = z
  .strictObject({
    bootTime: duration()
      .default('0s')
      .describe('power-on (and reboot) to the first connection attempt; readings due while booting are not taken'),
    clockDriftPpm: z
      .number()
      .min(0)
      .max(1000)
      .default(0)
      .describe(
        "crystal error bound, ppm: each device's clock runs fast or slow by a seeded amount within ± this; above 0 adds deviceTime (the device clock, epoch ms) to every reading",
      ),
    clockSync: duration()
      .default('0s')
      .describe('SNTP resync interval that sets the device clock right again (seeded phase per device); 0s = never'),
    watchdogResetsPerDay: z
      .number()
      .min(0)
      .max(86_400)
      .default(0)
      .describe(
        'seeded watchdog resets per device and day of model time: the device reboots (connection lost, RAM buffer lost, boot time, reconnect)',
      ),
    sleep: z
      .enum(['none', 'deep'])
      .default('none')
      .describe('none: stays connected; deep: radio off between readings: wakes, samples, connects, sends, disconnects, sleeps'),
    connectEvery: z
      .int()
      .min(1)
      .max(10_000)
      .default(1)
      .describe('with sleep: deep, connect on every Nth wake only; the readings in between wait in the buffer'),
  })
  .prefault({})
  .describe('MCU behaviour: boot time, clock drift, watchdog resets, deep sleep');

const SensorsSchema = z
  .record(z.string(), z.record(z.string(), z.unknown()))
  .default({})
  .describe(
    "sensor realism on any numeric channel of the model: channel → { noiseSd, bits, rangeMin, rangeMax, offset, driftPerDay, decimals, faults: { stuckRatePerDay, stuckDurationMinutes, spikeRatePerHour, spikeMagnitude, dropoutRatePerHour } }, in the channel's unit",
  );

export const FleetSchema = z
  .strictObject({
    id: identifier().describe('fleet id, unique in the scenario; used in device ids, topics and reports'),
    model: z
      .string()
      .min(1)
      .describe(
        'device model: a built-in (e.g. thermostat), a name from models:, or a path relative to this file to a *.model.yaml file or a .ts/.js module exporting a DeviceModel',
      ),
    count: z.int().min(1).describe('number of devices in the fleet'),
    idPattern: z
      .string()
      .min(1)
      .default(DEFAULT_ID_PATTERN)
      .describe('device id template; placeholders {fleet} and {index} ({index:06} zero-pads); needs {index} when count > 1'),
    params: z
      .record(z.string(), z.unknown())
      .default({})
      .describe("model parameters, checked against the model's own schema (e.g. thermostat: setpoint, drift)"),
    transport: TransportSchema,
    telemetry: TelemetrySchema,
    reconnect: ReconnectSchema,
    mcu: McuSchema,
    sensors: SensorsSchema,
  })
  .describe('a group of identical devices');

const phaseName = () =>
  identifier()
    .optional()
    .describe('unique phase name for {phase:NAME} threshold scopes and the report; default: the kind, then kind-2, kind-3…');
const phaseDuration = () => duration().describe('how long the phase lasts');

const ConnectPhase = z
  .strictObject({
    kind: z.literal('connect').describe('phase kind'),
    name: phaseName(),
    rate: rateOrRamp().describe('arrival rate of new connections, e.g. 200/s, or {from, to} for a linear ramp across the arrivals'),
    fleets: z
      .array(identifier())
      .min(1)
      .optional()
      .describe('fleet ids whose devices connect here; default: every fleet (devices already connected are skipped)'),
    settle: duration().default('2s').describe('wait after the last arrival before the next phase starts'),
  })
  .describe('devices connect at the given rate (open model); lasts until the last arrival, then settle');

const SteadyPhase = z
  .strictObject({ kind: z.literal('steady').describe('phase kind'), name: phaseName(), duration: phaseDuration() })
  .describe('connected devices send telemetry at their normal interval');

const SpikePhase = z
  .strictObject({
    kind: z.literal('spike').describe('phase kind'),
    name: phaseName(),
    duration: phaseDuration(),
    multiplier: z.number().gt(1).default(2).describe('telemetry rate multiplier: intervals are divided by it (above 1)'),
  })
  .describe('devices send faster for a while');

const StormPhase = z
  .strictObject({
    kind: z.literal('disconnect-storm').describe('phase kind'),
    name: phaseName(),
    fraction: z.number().gt(0).max(1).describe('share of connected devices that drop (above 0, at most 1), seeded'),
    spread: duration().default('0s').describe('drops are spread over this window from the phase start; 0s: all at once'),
    duration: phaseDuration().describe('how long the phase lasts; at least spread (dropped devices reconnect with backoff)'),
  })
  .describe('a share of the devices lose their connection, then reconnect');

const DrainPhase = z
  .strictObject({
    kind: z.literal('drain').describe('phase kind'),
    name: phaseName(),
    timeout: duration().default('10s').describe('wait this long at most for outstanding acks, then disconnect'),
  })
  .describe('stop sending, wait for outstanding acks, disconnect; only as the last phase');

const serviceCall = {
  name: phaseName(),
  duration: phaseDuration(),
  fraction: z.number().gt(0).max(1).default(1).describe('share of the IoT Hub devices called (above 0, at most 1), seeded'),
  rate: rate().describe('calls per second across the fleet, e.g. 20/s; each selected device is called once, in a seeded order'),
  fleets: z.array(identifier()).min(1).optional().describe('IoT Hub fleets whose devices are called; default: every fleet with dialect iothub'),
};

const InvokeMethodPhase = z
  .strictObject({
    kind: z.literal('invoke-method').describe('phase kind'),
    ...serviceCall,
    method: z.string().min(1).describe('direct method name, e.g. getDiagnostics, reboot, setTelemetryInterval'),
    payload: z.unknown().optional().describe('JSON payload of the call (default null)'),
    responseTimeout: duration({ positive: true }).default('30s').describe('how long the hub waits for the device (5s to 300s); then 504'),
  })
  .describe("the hub's service side calls a direct method on a share of the devices at a rate (IoT Hub service API); round trips in method.latency");

const TwinUpdatePhase = z
  .strictObject({
    kind: z.literal('twin-update').describe('phase kind'),
    ...serviceCall,
    desired: z.record(z.string(), z.unknown()).describe('desired-property patch, e.g. { telemetryInterval: 5 }; devices act on it and acknowledge it in reported properties'),
  })
  .describe("the hub's service side patches desired properties of a share of the devices at a rate (IoT Hub service API); round trips in twin.latency");

const FileUploadPhase = z
  .strictObject({
    kind: z.literal('file-upload').describe('phase kind'),
    ...serviceCall,
    fraction: z.number().gt(0).max(1).default(1).describe('share of the IoT Hub devices that upload (above 0, at most 1), seeded'),
    rate: rate().describe('uploads started per second across the fleet, e.g. 5/s; each selected device uploads once, in a seeded order'),
    fleets: z.array(identifier()).min(1).optional().describe('IoT Hub fleets whose devices upload; default: every fleet with dialect iothub'),
    size: z
      .union([z.int().positive(), z.string().regex(/^\d+(\.\d+)?\s*(B|KB|KiB|MB|MiB)$/, { error: (iss) => `expected a size such as 64KiB, 1MB or 512B; found ${JSON.stringify(iss.input)}` })])
      .describe('file size: bytes, or a string such as 64KiB or 1MB'),
    blobName: z.string().min(1).default('{phase}-{index}.bin').describe('name of the uploaded file; placeholders {phase}, {fleet}, {index}'),
  })
  .describe('a share of the IoT Hub devices upload a file at a rate, through IoT Hub file upload over HTTPS (get a SAS URI, Put Blob, notify); any protocol; in upload.latency');

export const PhaseSchema = z.discriminatedUnion('kind', [ConnectPhase, SteadyPhase, SpikePhase, StormPhase, InvokeMethodPhase, TwinUpdatePhase, FileUploadPhase, DrainPhase]);
export const PHASE_KINDS = ['connect', 'steady', 'spike', 'disconnect-storm', 'invoke-method', 'twin-update', 'file-upload', 'drain'] as const;

const thresholdItemError = (iss: { input?: unknown }) =>
  iss.input === undefined
    ? undefined
    : `expected an expression such as "p(99) < 250ms", or a map with a threshold key; found ${describeFound(iss.input)}`;

export const ThresholdItemSchema = z.union(
  [
    z.string().min(1).describe('expression <aggregation> <op> <value>, e.g. "p(99) < 250ms" or "rate > 0.99"'),
    z
      .strictObject({
        threshold: z.string().min(1).describe('expression <aggregation> <op> <value>, e.g. "p(99) < 250ms"'),
        abortOnFail: z.boolean().default(false).describe('stop the run as soon as the threshold fails'),
        delayAbortEval: duration().default('0s').describe('do not abort before the run has lasted this long'),
      })
      .describe('a threshold with abort settings'),
  ],
  { error: thresholdItemError },
);

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const THRESHOLD_KEY_PATTERN = `^(${METRIC_NAMES.map(escape).join('|')})(\\{phase:[A-Za-z][A-Za-z0-9_-]*\\})?$`;

const ThresholdsSchema = z
  .record(z.string(), z.array(ThresholdItemSchema).min(1))
  .default({})
  .meta({
    description:
      'pass/fail criteria: metric name (optionally scoped, e.g. telemetry.latency{phase:steady}) → list of expressions; a failed threshold makes the run exit with code 99',
    propertyNames: { pattern: THRESHOLD_KEY_PATTERN },
  });

const HubSchema = z
  .strictObject({
    tier: z
      .enum(['F1', 'S1', 'S2', 'S3'])
      .optional()
      .describe(
        "IoT Hub tier whose throttles and daily message quota the embedded hub applies (connections, D2C, twin, methods, C2D rates; quota in 4 KB blocks, 0.5 KB on F1); default: no throttling",
      ),
    units: z.int().min(1).max(200).default(1).describe('units of the tier (F1: 1; S1, S2: up to 200; S3: up to 10); limits scale with them'),
    shapingQueue: duration({ positive: true })
      .default('60s')
      .describe(
        'longest delay the hub shapes a request by before throttling it (IoT Hub does not publish its bound; its docs: a burst is fine "for a minute or two", then 429)',
      ),
    stream: z
      .string()
      .min(1)
      .optional()
      .describe('write every message the embedded hub accepts to this NDJSON file (relative to the working directory; "-" for stdout): deviceId, enqueuedTime, properties, body'),
    webhook: z
      .url({ protocol: /^https?$/, error: (iss) => `expected an http:// or https:// URL; found ${describeFound(iss.input)}` })
      .optional()
      .describe('POST every message the embedded hub accepts, in batches (JSON arrays of the stream records), to this http(s) URL'),
  })
  .prefault({})
  .describe('the embedded hub: IoT Hub tier throttling and the telemetry stream (ignored with an external target)');

const ReportSchema = z
  .strictObject({
    out: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe('folder for result.json, relative to the working directory; default: no file unless --out is given'),
    lateThreshold: duration().default('100ms').describe('a send later than its intended time by more than this counts as late'),
    saturation: duration()
      .default('100ms')
      .describe('flag "generator saturated" when p99 schedule lag or event-loop delay exceeds this'),
  })
  .prefault({})
  .describe('what the report measures and where it goes');

export const ScenarioSchema = z
  .strictObject({
    version: z
      .literal(1, { error: (iss) => (iss.input === undefined ? undefined : `expected 1, the only DSL version; found ${describeFound(iss.input)}`) })
      .describe('DSL version; always 1'),
    name: z.string().min(1).optional().describe('scenario name shown in reports; default: the file name'),
    seed: z
      .union([z.string().min(1), z.int()])
      .default('1')
      .describe('seed of every random choice (ids, jitter, model noise); the same seed replays the same run'),
    startTime: z.iso
      .datetime({ offset: true })
      .default('2026-01-01T00:00:00Z')
      .describe(
        'model time at the start of the run (ISO 8601): devices see this date and time of day whatever the wall clock says, so the same seed replays the same values',
      ),
    clock: z
      .enum(['live', 'virtual'])
      .default('live')
      .describe(
        'live: real sockets to the target in wall-clock time; virtual: no sockets, model time runs as fast as the CPU allows and telemetry goes to a sink (fleetsim run --sink)',
      ),
    target: targetSpec()
      .default('embedded')
      .describe(
        '"embedded" (fleetsim starts its own hub) or a broker URL: mqtt://, mqtts://, ws:// or wss://; a list of URLs to spread devices over; or { endpoints, sourceAddresses }',
      ),
    models: z
      .record(z.string(), z.unknown())
      .default({})
      .describe(
        'device models composed in YAML from physics blocks, by name: { description, blocks: { name: { kind, params, …inputs } }, channels: { name: { from: block.output, decimals, sensor } }, dead }; `fleetsim models --blocks` lists the block kinds',
      ),
    fleets: z.array(FleetSchema).min(1).describe('the simulated devices, as fleets of identical devices'),
    phases: z
      .array(PhaseSchema)
      .min(1)
      .describe('what happens, in order; a drain phase named drain (timeout 5s) is appended when there is none'),
    hub: HubSchema,
    thresholds: ThresholdsSchema,
    report: ReportSchema,
  })
  .describe('a fleetsim scenario');

export type ScenarioSpec = z.output<typeof ScenarioSchema>;
export type FleetSpec = z.output<typeof FleetSchema>;
export type PhaseSpec = z.output<typeof PhaseSchema>;
export type ThresholdItemSpec = z.output<typeof ThresholdItemSchema>;
