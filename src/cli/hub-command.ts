import { readFileSync } from 'node:fs';
import { FleetsimError } from '../core/errors.js';
import { randomBytes } from 'node:crypto';
import { parseDuration } from '../core/duration.js';
import { type EmbeddedIotHub, type ListenerOptions, startEmbeddedHub } from '../hub/embedded.js';
import type { Tier } from '../hub/iothub/hub-throttle.js';
import { EMBEDDED_HUB_HOST, EMBEDDED_ID_SCOPE } from '../iothub/index.js';
import { hubLines } from '../report/hub-text.js';
import type { Terminal } from './terminal.js';

export interface HubArgs {
  readonly host: string;
  readonly port: number;
  readonly wsPort: number | undefined;
  readonly mqttsPort: number | undefined;
  readonly wssPort: number | undefined;
  readonly tlsKey: string | undefined;
  readonly tlsCert: string | undefined;
  readonly tier: string | undefined;
  readonly units: number;
  readonly shapingQueue: string;
  readonly stream: string | undefined;
  readonly webhook: string | undefined;
}

/** `fleetsim hub`: the embedded hub on its own, until Ctrl-C. */
export async function hubCommand(args: HubArgs, term: Terminal): Promise<number> {
  const hub = await startEmbeddedHub(listeners(args), {
    hostName: EMBEDDED_HUB_HOST,
    serviceKey: randomBytes(32).toString('base64'),
    fleets: [],
    idScope: EMBEDDED_ID_SCOPE,
    ...hubOptions(args),
  });
  for (const l of hub.listening) term.err(`fleetsim hub listening on ${l.url}`);
  const { hostName, serviceKey } = hub.iothub;
  term.err(
    [
      'Plain MQTT (3.1.1 and 5) for clients without an IoT Hub login, outside the devices/ and $ namespaces.',
      `IoT Hub devices: username ${hostName}/<deviceId>/?api-version=2021-04-12 and a SAS token for ${hostName}/devices/<deviceId>`,
      `  (Azure SDK: HostName=${hostName};DeviceId=…;SharedAccessKey=…;GatewayHostName=<host>:<mqtts port>).`,
      `IoT Hub service API: ${hub.serviceUrl} (same paths as IoT Hub's; register devices with PUT /devices/{id}).`,
      `Service connection string: HostName=${hostName};SharedAccessKeyName=iothubowner;SharedAccessKey=${serviceKey}`,
      args.tier === undefined ? 'Throttling: off (--tier F1|S1|S2|S3 to apply a tier\'s limits).' : `Throttling: ${args.tier} × ${args.units}; counters at GET ${hub.serviceUrl}/fleetsim/stats.`,
      `Telemetry stream (NDJSON, service SAS): GET ${hub.serviceUrl}/fleetsim/telemetry?api-version=2021-04-12` +
        (args.stream === undefined ? '' : `; also to ${args.stream}`) +
        (args.webhook === undefined ? '' : `; POSTed to ${args.webhook}`),
      'Ctrl-C to stop.',
    ].join('\n'),
  );
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

function listeners(a: HubArgs): ListenerOptions[] {
  const out: ListenerOptions[] = [{ scheme: 'mqtt', host: a.host, port: a.port }];
  if (a.wsPort !== undefined) out.push({ scheme: 'ws', host: a.host, port: a.wsPort });
  if (a.mqttsPort === undefined && a.wssPort === undefined) return out;
  if (a.tlsKey === undefined || a.tlsCert === undefined) {
    throw new FleetsimError('FLEETSIM_E_USAGE', '--mqtts-port and --wss-port need --tls-key and --tls-cert (PEM files)');
  }
  const tls = { key: readPem(a.tlsKey, '--tls-key'), cert: readPem(a.tlsCert, '--tls-cert') };
  if (a.mqttsPort !== undefined) out.push({ scheme: 'mqtts', host: a.host, port: a.mqttsPort, tls });
  if (a.wssPort !== undefined) out.push({ scheme: 'wss', host: a.host, port: a.wssPort, tls });
  return out;
}

function readPem(file: string, flag: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new FleetsimError('FLEETSIM_E_USAGE', `${flag}: cannot read ${file}: ${(err as Error).message}`);
  }
}
