import type { CommandResult, DeviceCommand } from '../devices/model.js';

/**
 * The transport seam: device runtimes talk to a hub only through these interfaces, so the same devices run on the
 * lean client (src/transports/lean/) or on mqtt.js (src/transports/mqtt/), and under any dialect.
 */
export interface DeviceIdentity {
  readonly deviceId: string;
  readonly clientId: string;
  readonly username: string | undefined;
  readonly password: string | undefined;
  /** A client certificate for this connection's TLS handshake (X.509 device authentication), PEM. */
  readonly clientCert?: { readonly cert: string; readonly key: string };
}

/** Why a connection ended: `code` is a stable failure code (see core/errors failureCode). */
export interface CloseInfo {
  readonly code: string;
  /** true when fleetsim closed it on purpose (drain, storm, stop); false when the broker or network did. */
  readonly local: boolean;
}

/** `ref` is the number the publisher gave with the message, so one callback can serve every publish (no closure each). */
export type PublishCallback = (err: Error | undefined, ref: number) => void;

export interface Connection {
  /**
   * QoS 1: done on PUBACK; QoS 0: done when written. A failure before the ack calls done(err, ref) exactly once.
   * `ref` (default 0) comes back as done's second argument.
   */
  publish(topic: string, payload: string | Uint8Array, qos: 0 | 1, done: PublishCallback, ref?: number): void;
  /** Clean MQTT DISCONNECT; pending publishes fail with CONNECTION_CLOSED. */
  close(): Promise<void>;
  /** Abrupt drop, as a network failure would do it (no DISCONNECT; the broker sees the socket close). */
  drop(): void;
  /** Publishes sent and not yet acked or failed. */
  readonly pending: number;
  /**
   * Subscribe (a protocol dialect's downlink topics: C2D, methods, twin responses); resolves with the granted QoS per
   * filter in order, 128 for a refused one. Messages arrive through ConnectOptions.onMessage.
   */
  subscribe(filters: ReadonlyArray<{ readonly topic: string; readonly qos: 0 | 1 }>): Promise<number[]>;
  /** Secure OS: download a firmware image (over this connection, or over HTTPS); absent for dialects without it. */
  downloadFirmware?(request: FirmwareRequest): Promise<Buffer>;
}

/** A firmware image to download, and how (docs/secure-os.md). */
export interface FirmwareRequest {
  readonly name: string;
  readonly version: string;
  readonly sizeBytes: number;
  readonly via: 'mqtt' | 'https';
  readonly chunkBytes: number;
  /** The device's link bandwidth. */
  readonly bytesPerS: number;
}

/** A credential from attestation (secure-OS devices), used to CONNECT instead of the fleet's own. */
export interface AttestedCredential {
  /** update-only: quarantine; the device may only fetch firmware. */
  readonly scope: 'full' | 'update-only';
  readonly expiresAtMs: number;
  /** SAS: the token, as the MQTT password. */
  readonly password?: string;
  /** X.509: the certificate (and its chain) and the Alias key, PEM, for the TLS handshake. */
  readonly clientCert?: { readonly cert: string; readonly key: string };
}

export interface ConnectOptions {
  readonly identity: DeviceIdentity;
  /** Called once when an established connection ends for any reason. */
  readonly onClose: (info: CloseInfo) => void;
  /** A message on a subscribed topic. */
  readonly onMessage?: (topic: string, payload: Buffer) => void;
  /** Commands from the hub, from dialects that carry them (IoT Hub: methods, desired properties, C2D). */
  readonly onDownlink?: Downlink;
  /** The device registered with a provisioning service first (IoT Hub DPS), taking this long. */
  readonly onProvisioned?: (ms: number) => void;
  /** Where this connection goes when the run fans out over several broker endpoints or local source addresses; absent: the transport's own URL. */
  readonly endpoint?: { readonly url: string; readonly localAddress: string | undefined };
  /**
   * Secure OS: before each CONNECT, get the credential to connect with (attesting first when needed); a rejection
   * (refused, no answer) fails the connection attempt with its code.
   */
  readonly attest?: () => Promise<AttestedCredential>;
}

/**
 * A command from the hub, whatever carried it (a direct method, a desired property, a C2D message); returns the
 * device's answer. `command` is undefined for a downlink message that carries none (it is only counted).
 */
export type Downlink = (kind: 'method' | 'desired' | 'c2d', command: DeviceCommand | undefined) => CommandResult | undefined;

export interface Transport {
  /** Resolves on a successful CONNACK; rejects with an error whose failure code says why. */
  connect(options: ConnectOptions): Promise<Connection>;
  /**
   * Upload a file as the device (IoT Hub file upload over HTTPS, whatever the telemetry protocol); rejects with a
   * failure code. Absent for dialects without file upload.
   */
  uploadFile?(deviceId: string, blobName: string, body: Uint8Array): Promise<void>;
}

/** An error with a stable failure code, for counting. */
export class TransportError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}
