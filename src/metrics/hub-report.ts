/**
 * What the embedded hub reports at the end of a run (plain data: crosses threads, goes into result.json and the
 * report's "hub" section). Built by src/hub/hub-stats.ts; kept here so the report layer does not depend on the hub.
 */

/** Counters of one throttle class: operations admitted at once, shaped (delayed), throttled (refused: 429001). */
export interface ThrottleClassCounters {
  readonly accepted: number;
  readonly shaped: number;
  readonly throttled: number;
  readonly maxDelayMs: number;
}

/** IoT Hub's throttle classes (reference §5.2), as src/hub/iothub/throttle.ts names them. */
export type ThrottleClassName = 'connections' | 'd2c' | 'twinReads' | 'twinUpdates' | 'methods' | 'c2d' | 'registry' | 'queries';

/** What the hub's tier throttling did. */
export interface ThrottleCounters {
  readonly tier: 'F1' | 'S1' | 'S2' | 'S3';
  readonly units: number;
  readonly queueSeconds: number;
  readonly classes: Readonly<Record<ThrottleClassName, ThrottleClassCounters>>;
  /** Device connections the hub closed: D2C over the shaping queue (throttle) or the daily quota spent (quota). */
  readonly droppedConnections: { readonly throttle: number; readonly quota: number };
  /**
   * Shaped D2C messages whose connection closed (throttled or quota) before their turn: counted in d2c shaped, never
   * acknowledged nor routed (the device sees them fail), not charged to the daily quota.
   */
  readonly shapedDiscarded: number;
  readonly quota: {
    /** Meter blocks used today and the day's quota (blocks of 4 KB; 0.5 KB on F1). */
    readonly used: number;
    readonly limit: number;
    readonly meterBytes: number;
    /** Operations refused with 403002, CONNECTs refused with CONNACK 3 included. */
    readonly exceeded: number;
    readonly connectsRefused: number;
  };
}

export interface WebhookStats {
  readonly url: string;
  readonly delivered: number;
  readonly batches: number;
  readonly retries: number;
  /** Dropped because the queue was full, or because every attempt of their batch failed. */
  readonly dropped: { readonly queueFull: number; readonly failed: number };
  /** The last failure seen (e.g. "HTTP 500", "ECONNREFUSED"). */
  readonly lastError: string | undefined;
}

/** What each telemetry-stream output delivered and dropped. */
export interface TelemetryFeedStats {
  readonly ndjson: { readonly target: string; readonly written: number; readonly dropped: number; readonly error: string | undefined } | undefined;
  readonly webhook: WebhookStats | undefined;
  readonly http: { readonly streamed: number; readonly dropped: number };
}

export interface HubStats {
  /** D2C messages the hub accepted and routed. */
  readonly telemetryAccepted: number;
  /** Tier throttling counters; undefined when throttling is off. */
  readonly throttling: ThrottleCounters | undefined;
  /** The telemetry stream's outputs (NDJSON, webhook, HTTP stream). */
  readonly telemetryStream: TelemetryFeedStats | undefined;
  /** The attestation service and its enforcement; undefined when the hub serves no secure-OS fleet. */
  readonly attestation?: AttestationHubStats | undefined;
}

/** What the attestation service did (src/hub/attestation/): verifier counters plus connection enforcement. */
export interface AttestationHubStats {
  readonly challenges: number;
  /** Evidence bodies verified = passed + the sum of refused. */
  readonly attestations: number;
  readonly passed: number;
  /** Refusals by reason code (UNKNOWN_DEVICE, CHAIN_INVALID, …; docs/secure-os.md). */
  readonly refused: Readonly<Record<string, number>>;
  /** Credentials issued: full SAS tokens, X.509 certificates, update-only (quarantine) tokens. */
  readonly credentials: { readonly sas: number; readonly x509: number; readonly quarantine: number };
  /** CONNECTs of secure-OS devices refused while attestation is required. */
  readonly refusedConnects: number;
  readonly quarantinedConnections: number;
  readonly quarantineRefusedPublishes: number;
  readonly quarantineRefusedSubscriptions: number;
  readonly firmwareRequests: number;
}
