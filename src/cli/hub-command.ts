import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { FleetsimError } from '../core/errors.js';
import { parseDuration } from '../core/duration.js';
import { type EmbeddedIotHub, type ListenerOptions, startEmbeddedHub } from '../hub/embedded.js';
import type { Tier } from '../hub/iothub/hub-throttle.js';
import { ensureHubPki } from '../hub/pki.js';
import { EMBEDDED_HUB_HOST, EMBEDDED_ID_SCOPE } from '../iothub/index.js';
import { hubLines } from '../report/hub-text.js';
import type { Terminal } from './terminal.js';

export interface HubArgs {
  readonly host: string;
  /** Plain MQTT port (with --plain). */
  readonly port: number;
  readonly plain: boolean;
  readonly wsPort: number | undefined;
  /** MQTT over TLS (IoT Hub: 8883); 0 = a free port; negative = off. */
  readonly mqttsPort: number;
  /** MQTT over secure WebSockets (IoT Hub: 443, path /$iothub/websocket); 0 = a free port; negative = off. */
  readonly wssPort: number;
  /**
   * The HTTP API on 127.0.0.1 (service REST API, device HTTPS endpoints, blob endpoint); IoT Hub serves it on 443. HTTPS
   * with the TLS listeners' certificate whenever the hub has TLS, plain HTTP for a --plain-only hub; 0 = a free port.
   */
  readonly httpPort: number;
  /** Your own key and certificate instead of the data directory's CA-issued ones. */
  readonly tlsKey: string | undefined;
  readonly tlsCert: string | undefined;
  /** Where the hub's CA and server certificate live (resolved by the caller: --data-dir, FLEETSIM_DATA_DIR, XDG). */
  readonly dataDir: string;
  /** Where IoT Hub file uploads are written (default: a new temporary directory). */
  readonly blobDir: string | undefined;
  readonly tier: string | undefined;
  readonly units: number;
  readonly shapingQueue: string;
  readonly stream: string | undefined;
  readonly webhook: string | undefined;
}

/** `fleetsim hub`: the embedded hub on its own, TLS by default (plain MQTT with --plain), until Ctrl-C. */
export async function hubCommand(args: HubArgs, term: Terminal): Promise<number> {
  if (!Number.isInteger(args.httpPort) || args.httpPort < 0 || args.httpPort > 65535) {
    throw new FleetsimError('FLEETSIM_E_USAGE', `--http-port: expected a port from 0 (any free port) to 65535; found ${args.httpPort}`);
  }
  const { listeners, caFile, pkiNote, tls } = await hubListeners(args);
  const blobDir = args.blobDir === undefined ? undefined : makeBlobDir(args.blobDir);
  const hub = await startEmbeddedHub(listeners, {
    hostName: EMBEDDED_HUB_HOST,
    serviceKey: randomBytes(32).toString('base64'),
    fleets: [],
    idScope: EMBEDDED_ID_SCOPE,
    servicePort: args.httpPort,
    // The HTTP face is HTTPS with the same certificate as MQTT/TLS and WSS whenever the hub has TLS.
    ...(tls === undefined ? {} : { httpTls: tls }),
    ...(blobDir === undefined ? {} : { blobDir }),
    ...hubOptions(args),
  });
  for (const l of hub.listening) term.err(`fleetsim hub listening on ${l.url}`);
  const { hostName, serviceKey } = hub.iothub;
  const mqtts = hub.listening.find((l) => l.scheme === 'mqtts');
  const wss = hub.listening.find((l) => l.scheme === 'wss');
  const lines: string[] = [];
  if (caFile !== undefined) {
    lines.push(
      `CA certificate: ${caFile} (${pkiNote})`,
      `  trust it: mosquitto_sub --cafile ${caFile} …, NODE_EXTRA_CA_CERTS=${caFile}, or transport.tls.ca in a scenario.`,
    );
  }
  if (mqtts !== undefined || wss !== undefined) {
    const gw = mqtts !== undefined ? `${mqtts.host === '127.0.0.1' ? 'localhost' : mqtts.host}:${mqtts.port}` : '<host>';
    lines.push(
      `IoT Hub devices: username ${hostName}/<deviceId>/?api-version=2021-04-12; a SAS token for ${hostName}/devices/<deviceId>,`,
      `  or an X.509 certificate (self-signed thumbprint or CA-signed with CN = device id) and no password.`,
      `  Azure SDK: HostName=${hostName};DeviceId=…;SharedAccessKey=…;GatewayHostName=${gw}` + (wss !== undefined ? ` (WebSockets: ${wss.url}/$iothub/websocket)` : ''),
    );
  }
  if (args.plain) lines.push('Plain MQTT (3.1.1 and 5) for clients without an IoT Hub login, outside the devices/ and $ namespaces.');
  lines.push(
    `IoT Hub service API: ${hub.serviceUrl} (same paths as IoT Hub's; register devices with PUT /devices/{id}, trust CAs with PUT /certificates/{name}).`,
    `IoT Hub device HTTPS endpoints: ${hub.deviceUrl}/devices/{id}/messages/events, …/files; uploads go to ${hub.blobDir}`,
    tls === undefined
      ? '  plain HTTP on loopback (a --plain-only hub has no certificate); the Azure SDKs insist on https.'
      : `  HTTPS with the hub's server certificate${caFile === undefined ? '' : ' (trust the CA above)'}; a scenario: transport.iothub.protocol: https, httpsUrl: ${hub.deviceUrl}.`,
    `  file notifications: GET ${hub.serviceUrl}/messages/serviceBound/filenotifications?api-version=2021-04-12 (service SAS).`,
    `Service connection string: HostName=${hostName};SharedAccessKeyName=iothubowner;SharedAccessKey=${serviceKey}`,
    args.tier === undefined ? 'Throttling: off (--tier F1|S1|S2|S3 to apply a tier\'s limits).' : `Throttling: ${args.tier} × ${args.units}; counters at GET ${hub.serviceUrl}/fleetsim/stats.`,
    `Telemetry stream (NDJSON, service SAS): GET ${hub.serviceUrl}/fleetsim/telemetry?api-version=2021-04-12` +
      (args.stream === undefined ? '' : `; also to ${args.stream}`) +
      (args.webhook === undefined ? '' : `; POSTed to ${args.webhook}`),
    'Ctrl-C to stop.',
  );
  term.err(lines.join('\n'));
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  const counters = hubLines(await hub.stats().catch(() => undefined), term.errStyle);
  await hub.stop();
  if (counters.length > 0) term.err(counters.join('\n'));
  return 0;
}

const MAX_UNITS: Readonly<Record<string, number>> = { F1: 1, S1: 200, S2: 200, S3: 10 };

function hubOptions(a: HubArgs): Pick<EmbeddedIotHub, 'throttle' | 'stream' | 'webhook'> {
  const out: { throttle?: EmbeddedIotHub['throttle']; stream?: string; webhook?: string } = {};
  if (a.tier !== undefined) {
    const max = MAX_UNITS[a.tier] ?? 1;
    if (!Number.isInteger(a.units) || a.units < 1 || a.units > max) {
      throw new FleetsimError('FLEETSIM_E_USAGE', `--units: ${a.tier} takes 1 to ${max} unit${max === 1 ? '' : 's'}; found ${a.units}`);
    }
    const queueMs = parseDuration(a.shapingQueue);
    if (queueMs === undefined || queueMs <= 0) throw new FleetsimError('FLEETSIM_E_USAGE', `--shaping-queue: expected a duration above 0 such as 60s; found ${JSON.stringify(a.shapingQueue)}`);
    out.throttle = { tier: a.tier as Tier, units: a.units, queueSeconds: queueMs / 1000 };
  }
  if (a.stream !== undefined) out.stream = a.stream;
  if (a.webhook !== undefined) {
    if (!/^https?:\/\/./.test(a.webhook)) throw new FleetsimError('FLEETSIM_E_USAGE', `--webhook: expected an http:// or https:// URL; found ${JSON.stringify(a.webhook)}`);
    out.webhook = a.webhook;
  }
  return out;
}

interface HubListeners {
  readonly listeners: ListenerOptions[];
  readonly caFile: string | undefined;
  readonly pkiNote: string;
  /** The TLS listeners' key and certificate; absent for a --plain-only hub. */
  readonly tls: { key: Buffer | string; cert: Buffer | string } | undefined;
}

async function hubListeners(a: HubArgs): Promise<HubListeners> {
  const out: ListenerOptions[] = [];
  if (a.plain) out.push({ scheme: 'mqtt', host: a.host, port: a.port });
  if (a.plain && a.wsPort !== undefined) out.push({ scheme: 'ws', host: a.host, port: a.wsPort });
  const secure = a.mqttsPort >= 0 || a.wssPort >= 0;
  if (!secure && out.length === 0) throw new FleetsimError('FLEETSIM_E_USAGE', 'no listener left: every TLS port is off and --plain is not given');
  if (!secure) return { listeners: out, caFile: undefined, pkiNote: '', tls: undefined };
  if ((a.tlsKey === undefined) !== (a.tlsCert === undefined)) throw new FleetsimError('FLEETSIM_E_USAGE', '--tls-key and --tls-cert go together (PEM files)');
  let tls: { key: Buffer | string; cert: Buffer | string };
  let caFile: string | undefined;
  let pkiNote = 'your --tls-cert';
  if (a.tlsKey !== undefined && a.tlsCert !== undefined) {
    tls = { key: readPem(a.tlsKey, '--tls-key'), cert: readPem(a.tlsCert, '--tls-cert') };
  } else {
    // Bound to every interface, other machines reach it by this machine's name.
    const names = [EMBEDDED_HUB_HOST, ...(a.host === '0.0.0.0' || a.host === '::' ? [hostname()] : [a.host])];
    const pki = await ensureHubPki(a.dataDir, names);
    tls = pki.server;
    caFile = pki.caFile;
    pkiNote = pki.created.ca ? 'created now' : pki.created.server ? 'kept; server certificate issued again' : 'kept from an earlier start';
  }
  if (a.mqttsPort >= 0) out.push({ scheme: 'mqtts', host: a.host, port: a.mqttsPort, tls });
  if (a.wssPort >= 0) out.push({ scheme: 'wss', host: a.host, port: a.wssPort, tls });
  return { listeners: out, caFile, pkiNote, tls };
}

function makeBlobDir(dir: string): string {
  const path = resolve(dir);
  try {
    mkdirSync(path, { recursive: true });
  } catch (err) {
    throw new FleetsimError('FLEETSIM_E_USAGE', `--blob-dir: cannot create ${path}: ${(err as Error).message}`, { hint: 'give a directory you can write to' });
  }
  return path;
}

function readPem(file: string, flag: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new FleetsimError('FLEETSIM_E_USAGE', `${flag}: cannot read ${file}: ${(err as Error).message}`);
  }
}
