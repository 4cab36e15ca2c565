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

export type PublishCallback = (err: Error | undefined) => void;

export interface Connection {
  /** QoS 1: done on PUBACK; QoS 0: done when written. A failure before the ack calls done(err) exactly once. */
  publish(topic: string, payload: string | Uint8Array, qos: 0 | 1, done: PublishCallback): void;
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
