import type { ModelRef } from '../devices/model-ref.js';

/**
 * RunPlan: the compiled, validated, frozen form of a scenario. Everything downstream (engine, workers, report) reads
 * only this; nothing downstream reads YAML. All times are milliseconds, all rates are per second.
 * A RunPlan is plain data: it crosses to worker threads by structured clone.
 */
export interface RunPlan {
  readonly version: 1;
  readonly name: string;
  readonly seed: string;
  /**
   * Model time (epoch ms) at the run start. Device models see model time = startTimeMs + (intended time − t0), never
   * the wall clock, so values are the same on every replay; payload timestamps (`ts`) stay wall-clock send times.
   */
  readonly startTimeMs: number;
  /** live: sockets and wall-clock time; virtual: no sockets, model time as fast as the CPU allows. */
  readonly clock: 'live' | 'virtual';
  /** Path of the scenario file it came from, for messages. */
  readonly source: string;
  readonly target: TargetPlan;
  /** The embedded hub's throttling and telemetry stream. */
  readonly hub: HubPlan;
  readonly fleets: readonly FleetPlan[];
  readonly totalDevices: number;
  /** Phases in order, each with its absolute offset from the run start. */
  readonly phases: readonly PhasePlan[];
  /** Sum of phase durations (drain counted at its timeout). */
  readonly totalDurationMs: number;
  readonly thresholds: readonly ThresholdPlan[];
  readonly report: ReportPlan;
}

/** The embedded hub's options (an external target ignores them). */
export interface HubPlan {
  /** IoT Hub tier throttling; null: off. */
  readonly throttle: { readonly tier: 'F1' | 'S1' | 'S2' | 'S3'; readonly units: number; readonly queueSeconds: number } | null;
  /** NDJSON file of accepted messages (`-`: stdout), or null. */
  readonly stream: string | null;
  /** Webhook URL receiving batches of accepted messages, or null. */
  readonly webhook: string | null;
}

/**
 * `embedded`: fleetsim starts its own hub. `url`: an external broker such as mqtt://127.0.0.1:1883, or several
 * (`endpoints`, the first is `url`) that devices spread over. `sourceAddresses`: local addresses devices connect from
 * (src/scenario/endpoints.ts places each device); both are absent when unused.
 */
export type TargetPlan =
  | { readonly kind: 'embedded'; readonly sourceAddresses?: readonly string[] }
  | { readonly kind: 'url'; readonly url: string; readonly endpoints?: readonly string[]; readonly sourceAddresses?: readonly string[] };

export interface FleetPlan {
  readonly id: string;
  /** The model's name, for reports (a module model's own name). */
  readonly model: string;
  /** Where the model comes from: built-in, composed in YAML, or a module path (workers load it from here). */
  readonly modelRef: ModelRef;
  /** Model parameters, already validated by the model's schema (defaults applied). */
  readonly params: Readonly<Record<string, unknown>>;
  readonly count: number;
  /** Global index of this fleet's first device; fleets are laid out in declaration order. */
  readonly firstIndex: number;
  /** e.g. "meter-{index:06}"; placeholders {index} (0-based within the fleet) and {fleet}. */
  readonly idPattern: string;
  readonly transport: TransportPlan;
  readonly telemetry: TelemetryPlan;
  readonly reconnect: ReconnectPlan;
  readonly mcu: McuPlan;
  /** Sensor realism applied by the runtime to the model's channels, by channel name (validated against the model). */
  readonly sensors: Readonly<Record<string, ChannelSensorPlan>>;
}

/** MCU behaviour of every device of a fleet; all zero / none is an ideal, always-on device. */
export interface McuPlan {
  /** Power-on or reboot to the first connection attempt, ms. */
  readonly bootMs: number;
  /** Bound of the seeded per-device clock error, ppm; 0 = a perfect clock and no deviceTime in readings. */
  readonly clockDriftPpm: number;
  /** Resync (SNTP) interval of the device clock, ms; 0 = never. */
  readonly clockSyncMs: number;
  /** Seeded watchdog resets per device per day of model time. */
  readonly watchdogResetsPerDay: number;
  /** deep: disconnect between wakes, connect again to send. */
  readonly sleep: 'none' | 'deep';
  /** With sleep deep: connect on every Nth wake. */
  readonly connectEvery: number;
}

/** Sensor realism of one channel (see physics/sensor.ts), plus the decimals the reading is rounded to. */
export interface ChannelSensorPlan {
  readonly noiseSd: number;
  readonly bits: number;
  readonly rangeMin: number;
  readonly rangeMax: number;
  readonly offset: number;
  readonly driftPerDay: number;
  readonly decimals: number;
  readonly faults: {
    readonly stuckRatePerDay: number;
    readonly stuckDurationMinutes: number;
    readonly spikeRatePerHour: number;
    readonly spikeMagnitude: number;
    readonly dropoutRatePerHour: number;
  };
}

export interface TransportPlan {
  /** mqtt: plain topics from `topic`; iothub: the Azure IoT Hub device protocol (SAS, IoT Hub topics, twins, methods, C2D). */
  readonly dialect: 'mqtt' | 'iothub';
  /** The MQTT client: lean (src/transports/lean/, the default) or mqttjs (mqtt.js). */
  readonly client: 'lean' | 'mqttjs';
  /** IoT Hub identity of the fleet's devices (dialect iothub). */
  readonly iothub: IotHubDevicePlan | undefined;
  /** MQTT protocol level: 4 = 3.1.1, 5 = 5.0. */
  readonly protocolVersion: 4 | 5;
  readonly qos: 0 | 1;
  readonly keepaliveS: number;
  readonly cleanSession: boolean;
  /** Telemetry topic; placeholders {deviceId}, {fleet}, {index}. */
  readonly topic: string;
  readonly connectTimeoutMs: number;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly tls: TlsPlan | undefined;
  /**
   * The fleet's own endpoint instead of the run target: the hub of an IoT Hub connection string, or the embedded hub's
   * TLS listener that the run picks for fleets that need TLS (X.509). Undefined: the run target.
   */
  readonly url: string | undefined;
}

export interface IotHubDevicePlan {
  /** The hub's host name devices sign their SAS tokens for, e.g. myhub.azure-devices.net. */
  readonly hostName: string;
  /** Base64 group key: each device's key is HMAC-SHA256(groupKey, deviceId), as DPS group enrollments derive them. */
  readonly groupKey: string;
  /** Plug and Play model id announced in the CONNECT username, or undefined. */
  readonly modelId: string | undefined;
  /** Lifetime of each SAS token; devices reconnect with a fresh one before it expires. */
  readonly sasTtlMs: number;
  /** dps: each device registers with the Device Provisioning Service (group enrollment) before its first connection. */
  readonly provisioning: 'none' | 'dps';
  /** DPS ID scope (provisioning dps). */
  readonly idScope: string;
  /** sas: SAS tokens; x509-self-signed / x509-ca: a client certificate per device in the TLS handshake, no password. */
  readonly auth: 'sas' | 'x509-self-signed' | 'x509-ca';
  /** The device's own key from a connection string (used as is, not derived from groupKey). */
  readonly deviceKey: string | undefined;
  /**
   * X.509: folder with each device's `<deviceId>.pem` and `<deviceId>.key`, filled by the run (engine/fleet-certs.ts);
   * undefined when the fleet's transport.tls gives the one certificate to use.
   */
  readonly certDir: string | undefined;
  /** mqtt: everything over MQTT; https: telemetry by HTTPS POST and C2D by polling. */
  readonly protocol: 'mqtt' | 'https';
  /** protocol https: interval between two C2D polls of a device. */
  readonly c2dPollMs: number;
  /** Base URL of the hub's HTTPS device endpoints; undefined: the embedded hub's, or https://<hostName>. */
  readonly httpsUrl: string | undefined;
}

export interface TlsPlan {
  /** Paths resolved against the scenario file's folder. */
  readonly caFile: string | undefined;
  readonly certFile: string | undefined;
  readonly keyFile: string | undefined;
  readonly rejectUnauthorized: boolean;
  readonly servername: string | undefined;
}

export interface TelemetryPlan {
  /** Nominal interval between sends. */
  readonly everyMs: number;
  /** Each interval is everyMs ± uniform(jitterMs). The first send is offset by uniform(0, everyMs). */
  readonly jitterMs: number;
  /** Payload encoding: a JSON object, or the same map in CBOR. */
  readonly format: 'json' | 'cbor';
  /** Store-and-forward ring size: readings kept while offline and sent on reconnect; 0 = off. */
  readonly bufferSize: number;
}

/** Exponential backoff with full jitter: delay = uniform(0, min(capMs, baseMs × 2^attempt)). */
export interface ReconnectPlan {
  readonly baseMs: number;
  readonly capMs: number;
  /** null: keep trying until the run ends. */
  readonly maxAttempts: number | null;
}

interface PhaseBase {
  /** Unique within the run; defaults to the kind, suffixed -2, -3… when a kind repeats. */
  readonly name: string;
  readonly index: number;
  readonly startMs: number;
  readonly durationMs: number;
}

/**
 * Open-model arrivals: the k-th selected device (k = 0…devices−1, in global index order) arrives at the time the
 * integral of the rate reaches k. The rate goes linearly from fromPerS to toPerS across the arrival span.
 */
export interface ConnectPhasePlan extends PhaseBase {
  readonly kind: 'connect';
  /** Fleet ids whose devices connect in this phase (devices already connected are not counted twice). */
  readonly fleets: readonly string[];
  readonly fromPerS: number;
  readonly toPerS: number;
  /** Number of devices arriving in this phase. */
  readonly devices: number;
  /** Time from phase start to the last arrival. durationMs = arrivalSpanMs + settleMs. */
  readonly arrivalSpanMs: number;
  readonly settleMs: number;
}

export interface SteadyPhasePlan extends PhaseBase {
  readonly kind: 'steady';
}

export interface SpikePhasePlan extends PhaseBase {
  readonly kind: 'spike';
  /** Telemetry rate multiplier: intervals are divided by it while the phase lasts. */
  readonly multiplier: number;
}

export interface DisconnectStormPhasePlan extends PhaseBase {
  readonly kind: 'disconnect-storm';
  /** Each connected device drops with this probability (seeded per device and phase). */
  readonly fraction: number;
  /** 0: all drop at the phase start; otherwise drops are spread uniformly over this window. */
  readonly spreadMs: number;
}

/** The hub's service side calls devices (IoT Hub fleets): a seeded share of them, one call each, at a rate. */
interface ServiceCallPlan extends PhaseBase {
  /** IoT Hub fleets whose devices are called. */
  readonly fleets: readonly string[];
  /** Each device of those fleets is selected with this probability (seeded per device and phase). */
  readonly fraction: number;
  /** Calls per second across the fleet. */
  readonly ratePerS: number;
}

export interface InvokeMethodPhasePlan extends ServiceCallPlan {
  readonly kind: 'invoke-method';
  readonly method: string;
  readonly payload: unknown;
  readonly responseTimeoutMs: number;
}

export interface TwinUpdatePhasePlan extends ServiceCallPlan {
  readonly kind: 'twin-update';
  readonly desired: Readonly<Record<string, unknown>>;
}

/** IoT Hub devices upload a file (get SAS URI, Put Blob, notify), a seeded share of them, once each, at a rate. */
export interface FileUploadPhasePlan extends ServiceCallPlan {
  readonly kind: 'file-upload';
  readonly sizeBytes: number;
  /** Placeholders {phase}, {fleet}, {index}. */
  readonly blobName: string;
}

export interface DrainPhasePlan extends PhaseBase {
  readonly kind: 'drain';
  /** Stop sending, wait for outstanding acks up to this long, then disconnect. durationMs = timeoutMs. */
  readonly timeoutMs: number;
}

export type PhasePlan =
  | ConnectPhasePlan
  | SteadyPhasePlan
  | SpikePhasePlan
  | DisconnectStormPhasePlan
  | InvokeMethodPhasePlan
  | TwinUpdatePhasePlan
  | FileUploadPhasePlan
  | DrainPhasePlan;
export type PhaseKind = PhasePlan['kind'];

export type ComparisonOp = '<' | '<=' | '>' | '>=' | '==' | '!=';

/** An aggregation of a metric: p(99), avg, min, max, med, count, rate. */
export type Aggregation =
  | { readonly kind: 'p'; readonly percentile: number }
  | { readonly kind: 'avg' | 'min' | 'max' | 'med' | 'count' | 'rate' };

export interface ThresholdExpression {
  /** As written, e.g. "p(99) < 250ms". */
  readonly source: string;
  readonly aggregation: Aggregation;
  readonly op: ComparisonOp;
  /** In the metric's base unit: microseconds for trends, a plain number for counters and rates. */
  readonly value: number;
}

export interface ThresholdPlan {
  /** Metric name from the catalog, e.g. telemetry.latency. */
  readonly metric: string;
  /** Phase name the threshold is scoped to ({phase:steady}), or null for the whole run. */
  readonly phase: string | null;
  /** Key as written in the scenario, e.g. "telemetry.latency{phase:steady}". */
  readonly key: string;
  readonly expressions: readonly ThresholdExpression[];
  /** Stop the run as soon as the threshold fails (checked on each merged interval). */
  readonly abortOnFail: boolean;
  /** Do not evaluate abortOnFail before this much time has run. */
  readonly delayAbortEvalMs: number;
}

export interface ReportPlan {
  /** Folder for result.json; null: no file unless --out is given. */
  readonly outDir: string | null;
  /** A send whose actual time is later than its intended time by more than this counts as late. */
  readonly lateThresholdMs: number;
  /** Flag "generator saturated" when p99 schedule lag or p99 event-loop delay exceeds this. */
  readonly saturationMs: number;
}
