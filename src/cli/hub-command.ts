import { mkdirSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { EMBEDDED_HUB_HOST, EMBEDDED_ID_SCOPE } from '../iothub/index.js';
import { FleetsimError } from '../core/errors.js';
import { type ListenerOptions, startEmbeddedHub } from '../hub/embedded.js';
import type { Terminal } from './terminal.js';

export interface HubArgs {
  readonly host: string;
  readonly port: number;
  readonly wsPort: number | undefined;
  readonly mqttsPort: number | undefined;
  readonly wssPort: number | undefined;
  readonly tlsKey: string | undefined;
  readonly tlsCert: string | undefined;
  readonly blobDir: string | undefined;
}

/** `fleetsim hub`: the embedded hub on its own, until Ctrl-C. */
export async function hubCommand(args: HubArgs, term: Terminal): Promise<number> {
  const blobDir = args.blobDir === undefined ? undefined : makeBlobDir(args.blobDir);
  const hub = await startEmbeddedHub(listeners(args), {
    hostName: EMBEDDED_HUB_HOST,
    serviceKey: randomBytes(32).toString('base64'),
    fleets: [],
    idScope: EMBEDDED_ID_SCOPE,
    ...(blobDir === undefined ? {} : { blobDir }),
  });
  for (const l of hub.listening) term.err(`fleetsim hub listening on ${l.url}`);
  const { hostName, serviceKey } = hub.iothub;
  term.err(
    [
      'Plain MQTT (3.1.1 and 5) for clients without an IoT Hub login, outside the devices/ and $ namespaces.',
      `IoT Hub devices: username ${hostName}/<deviceId>/?api-version=2021-04-12 and a SAS token for ${hostName}/devices/<deviceId>`,
      `  (Azure SDK: HostName=${hostName};DeviceId=…;SharedAccessKey=…;GatewayHostName=<host>:<mqtts port>).`,
      `IoT Hub service API: ${hub.serviceUrl} (same paths as IoT Hub's; register devices with PUT /devices/{id}).`,
      `IoT Hub device HTTPS endpoints (plain HTTP on loopback): ${hub.deviceUrl}/devices/{id}/messages/events, …/files; uploads go to ${hub.blobDir}`,
      `  file notifications: GET ${hub.serviceUrl}/messages/serviceBound/filenotifications?api-version=2021-04-12 (service SAS).`,
      `Service connection string: HostName=${hostName};SharedAccessKeyName=iothubowner;SharedAccessKey=${serviceKey}`,
      'Ctrl-C to stop.',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await hub.stop();
  return 0;
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
