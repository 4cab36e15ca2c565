import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { EMBEDDED_HUB_HOST, EMBEDDED_ID_SCOPE } from '../iothub/index.js';
import { FleetsimError } from '../core/errors.js';
import { workerFile } from '../core/worker-file.js';
import type { ListenerOptions, Listening } from './broker.js';
import type { HubAttestation, SecureOsFleet } from '../attestation/service-config.js';
import type { HubStats } from './hub-stats.js';
import type { Tier } from './iothub/hub-throttle.js';

export type { ListenerOptions, Listening } from './broker.js';

export interface EmbeddedHub {
  /** URL of the first listener (plain MQTT by default). */
  readonly url: string;
  readonly listening: readonly Listening[];
  /** The IoT Hub identity it serves: host name and the owner key service clients sign with. */
  readonly iothub: Pick<EmbeddedIotHub, 'hostName' | 'serviceKey'>;
  /**
   * The IoT Hub service REST API (same paths as IoT Hub's, service SAS), e.g. https://127.0.0.1:8444 (with
   * `EmbeddedIotHub.httpTls`) or http://127.0.0.1:40123.
   */
  readonly serviceUrl: string;
  /**
   * The IoT Hub device HTTPS endpoints (telemetry, C2D, file upload) and the blob endpoint: the same server as the
   * service API (IoT Hub serves both on 443), on loopback: HTTPS with `EmbeddedIotHub.httpTls`, else plain HTTP.
   */
  readonly deviceUrl: string;
  /** Directory of the local blob store that file uploads are written to. */
  readonly blobDir: string;
  /** Throttling and telemetry-stream counters so far. */
  stats(): Promise<HubStats>;
  /** Stops the hub; the telemetry stream is flushed first (webhook: bounded by its retries, at most 5 s). */
  stop(): Promise<void>;
}

/** The IoT Hub side of the embedded hub: its name, its owner key, and the fleets whose devices it registers. */
export interface EmbeddedIotHub {
  readonly hostName: string;
  readonly serviceKey: string;
  /** dps fleets get a DPS enrollment (their devices register themselves); the others are registered up front. */
  readonly fleets: readonly EmbeddedFleet[];
  /** The DPS ID scope it serves. */
  readonly idScope: string;
  /** Port of the service REST API and device HTTPS endpoints on 127.0.0.1 (0 or absent: a free one). */
  readonly servicePort?: number;
  /**
   * Serve that HTTP API over TLS with this key and certificate (PEM), so `serviceUrl`, `deviceUrl` and the blob host
   * devices upload to are https://. Absent: plain HTTP (runs on loopback, `fleetsim hub --plain` alone).
   */
  readonly httpTls?: { readonly key: string | Buffer; readonly cert: string | Buffer } | undefined;
  /** Directory file uploads are written to (absent: a new temporary directory). */
  readonly blobDir?: string;
  /** IoT Hub tier throttling; absent: off. */
  readonly throttle?: { readonly tier: Tier; readonly units?: number; readonly queueSeconds?: number } | undefined;
  /** Telemetry stream as NDJSON to this file (`-`: stdout). */
  readonly stream?: string | undefined;
  /** Telemetry stream POSTed in batches to this URL. */
  readonly webhook?: string | undefined;
  /** The attestation service (src/attestation/service-config.ts); needed by fleets with `secureOs`. */
  readonly attestation?: HubAttestation | undefined;
}

/** An IoT Hub fleet the embedded hub registers (register-fleets.ts). */
export interface EmbeddedFleet {
  readonly id: string;
  readonly idPattern: string;
  readonly count: number;
  readonly groupKey: string;
  readonly provisioning: 'none' | 'dps';
  /** Default sas. */
  readonly auth?: 'sas' | 'x509-self-signed' | 'x509-ca';
  /** x509-self-signed: the SHA-256 thumbprint of each device's certificate, in index order. */
  readonly thumbprints?: readonly string[];
  /** x509-ca: the fleet's CA certificate (PEM), which the hub (or its DPS group enrollment) trusts. */
  readonly caPem?: string;
  /** Secure-OS devices (src/attestation/service-config.ts): enrolled for attestation, registered to need its credential. */
  readonly secureOs?: SecureOsFleet | undefined;
}

type HubMessage =
  | { type: 'listening'; listening: Listening[]; serviceUrl: string; blobDir: string }
  | { type: 'error'; code: string; message: string }
  | { type: 'closed' }
  | { type: 'stats'; stats: HubStats };

const DEFAULT_LISTENERS: readonly ListenerOptions[] = [{ scheme: 'mqtt', host: '127.0.0.1', port: 0 }];

/**
 * Start fleetsim's own hub in a worker thread (by default on 127.0.0.1 and a free port): an IoT Hub gateway for IoT Hub
 * devices and service clients, and a plain MQTT broker for everything else.
 */
export function startEmbeddedHub(
  listeners: readonly ListenerOptions[] = DEFAULT_LISTENERS,
  iothub: EmbeddedIotHub = { hostName: EMBEDDED_HUB_HOST, serviceKey: randomBytes(32).toString('base64'), fleets: [], idScope: EMBEDDED_ID_SCOPE },
): Promise<EmbeddedHub> {
  const { filename, env } = workerFile('./hub-thread.js', import.meta.url);
  const workerData = { listeners, iothub };
  const worker = new Worker(new URL(filename), env === undefined ? { workerData } : { workerData, env });
  return new Promise((resolve, reject) => {
    const onExit = (code: number): void =>
      reject(new FleetsimError('FLEETSIM_E_TARGET', `the embedded hub stopped while starting (exit code ${code})`));
    worker.once('exit', onExit);
    worker.once('error', (err) => reject(new FleetsimError('FLEETSIM_E_TARGET', `the embedded hub failed: ${err.message}`)));
    worker.once('message', (msg: HubMessage) => {
      worker.off('exit', onExit);
      if (msg.type === 'error') {
        void worker.terminate();
        const hint = msg.code === 'EADDRINUSE' ? 'choose another port, or stop what is listening there' : undefined;
        reject(new FleetsimError('FLEETSIM_E_TARGET', `the embedded hub could not start: ${msg.message}`, hint ? { hint } : {}));
        return;
      }
      if (msg.type !== 'listening') return;
      const identity = { hostName: iothub.hostName, serviceKey: iothub.serviceKey };
      resolve({
        url: (msg.listening[0] as Listening).url,
        listening: msg.listening,
        iothub: identity,
        serviceUrl: msg.serviceUrl,
        deviceUrl: msg.serviceUrl,
        blobDir: msg.blobDir,
        stats: () => hubStatsOf(worker),
        // A webhook gets up to 5 s to deliver what is queued before the hub closes.
        stop: () => stopHub(worker, iothub.webhook === undefined ? 2000 : 7000),
      });
    });
  });
}

function hubStatsOf(worker: Worker): Promise<HubStats> {
  return new Promise((resolve, reject) => {
    const onMessage = (msg: HubMessage): void => {
      if (msg.type !== 'stats') return;
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      resolve(msg.stats);
    };
    const onExit = (): void => reject(new FleetsimError('FLEETSIM_E_TARGET', 'the embedded hub stopped before reporting its counters'));
    worker.on('message', onMessage);
    worker.once('exit', onExit);
    worker.postMessage({ type: 'stats' });
  });
}

function stopHub(worker: Worker, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => void worker.terminate().then(() => resolve()), graceMs);
    worker.once('message', (msg: HubMessage) => {
      if (msg.type !== 'closed') return;
      clearTimeout(timer);
      void worker.terminate().then(() => resolve());
    });
    worker.postMessage({ type: 'close' });
  });
}
