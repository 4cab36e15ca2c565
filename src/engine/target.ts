import { randomBytes } from 'node:crypto';
import { type EmbeddedFleet, type ListenerOptions, startEmbeddedHub } from '../hub/embedded.js';
import { FleetsimError } from '../core/errors.js';
import { ensureHubPki } from '../hub/pki.js';
import { hubAttestation, secureOsFleet } from '../attestation/from-plan.js';
import { EMBEDDED_HUB_HOST, EMBEDDED_ID_SCOPE, createSasToken, parseServiceConnectionString } from '../iothub/index.js';
import type { FleetPlan, RunPlan } from '../scenario/plan.js';
import type { FleetCredentials } from './fleet-certs.js';
import type { HubStats } from '../hub/hub-stats.js';
import type { ServiceAccess } from './service-calls.js';

/** How the run observer logs in when the target needs more than a plain MQTT connection (IoT Hub's service side). */
export interface ObserverLogin {
  readonly clientId: string;
  readonly username: string;
  readonly password: string;
}

export interface Target {
  readonly url: string;
  readonly embedded: boolean;
  /** For the embedded hub: a service login, so the observer can read IoT Hub devices' telemetry. */
  readonly observerLogin: ObserverLogin | undefined;
  /** For the embedded hub: its IoT Hub service API, which invoke-method and twin-update phases call. */
  readonly service: ServiceAccess | undefined;
  /** For the embedded hub, when some fleet connects over TLS: its mqtts listener and the CA file devices trust. */
  readonly tls: { readonly url: string; readonly caFile: string } | undefined;
  /** For the embedded hub: its IoT Hub device HTTPS endpoints (https telemetry, C2D polling, file upload). */
  readonly deviceUrl: string | undefined;
  /** For the embedded hub: its throttling and telemetry-stream counters. */
  readonly stats: (() => Promise<HubStats>) | undefined;
  stop(): Promise<void>;
}

export interface TargetOptions {
  /** Where the embedded hub keeps its CA (needed when it serves TLS). */
  readonly dataDir?: string | undefined;
  /** Every fleet of the embedded hub connects over TLS (not only the X.509 ones). */
  readonly tls?: boolean | undefined;
  /** The X.509 fleets' certificates (fleet-certs.ts), for the hub to register. */
  readonly credentials?: ReadonlyMap<string, FleetCredentials>;
  /**
   * An external fleetsim hub's service connection string (`fleetsim hub` prints it): the observer then reads the IoT
   * Hub devices' telemetry as a service client, as it does on the embedded hub.
   */
  readonly hubService?: string | undefined;
}

/** Whether a fleet connects to the embedded hub over TLS: X.509 devices must; the others when the run asks for it. */
export function fleetUsesTls(f: FleetPlan, allTls: boolean): boolean {
  if (f.transport.url !== undefined) return false; // its own endpoint (a connection string)
  return allTls || (f.transport.iothub !== undefined && f.transport.iothub.auth !== 'sas') || f.secureOs?.credential === 'x509';
}

/**
 * The broker a run drives: fleetsim's embedded hub (started here with the run's IoT Hub fleets registered, stopped
 * after the run) or an external URL. The embedded hub listens on plain MQTT for speed, and also on MQTT/TLS with the
 * data directory's CA when a fleet needs TLS (X.509) or the run asks for TLS everywhere.
 */
export async function startTarget(plan: RunPlan, options: TargetOptions = {}): Promise<Target> {
  if (plan.target.kind === 'url') {
    const observerLogin = options.hubService === undefined ? undefined : serviceLogin(options.hubService, plan);
    return { url: plan.target.url, embedded: false, observerLogin, service: undefined, tls: undefined, deviceUrl: undefined, stats: undefined, stop: async () => {} };
  }
  const serviceKey = randomBytes(32).toString('base64');
  const fleets = plan.fleets.flatMap((f): EmbeddedFleet[] => {
    const hub = f.transport.iothub;
    if (hub === undefined) return [];
    const c = options.credentials?.get(f.id);
    return [
      {
        id: f.id,
        idPattern: f.idPattern,
        count: f.count,
        groupKey: hub.groupKey,
        provisioning: hub.provisioning,
        auth: hub.auth,
        ...(c?.thumbprints === undefined ? {} : { thumbprints: c.thumbprints }),
        ...(c?.caPem === undefined ? {} : { caPem: c.caPem }),
        ...(f.secureOs === undefined ? {} : { secureOs: secureOsFleet(f) }),
      },
    ];
  });
  const attestation = hubAttestation(plan);
  const listeners: ListenerOptions[] = [{ scheme: 'mqtt', host: '127.0.0.1', port: 0 }];
  let caFile: string | undefined;
  if (plan.fleets.some((f) => fleetUsesTls(f, options.tls === true))) {
    if (options.dataDir === undefined) throw new FleetsimError('FLEETSIM_E_USAGE', 'the embedded hub needs a data directory to serve TLS', { hint: 'pass --data-dir or set FLEETSIM_DATA_DIR' });
    const pki = await ensureHubPki(options.dataDir, [EMBEDDED_HUB_HOST]);
    caFile = pki.caFile;
    listeners.push({ scheme: 'mqtts', host: '127.0.0.1', port: 0, tls: pki.server });
  }
  const { throttle, stream, webhook } = plan.hub;
  const hub = await startEmbeddedHub(listeners, {
    hostName: EMBEDDED_HUB_HOST,
    serviceKey,
    fleets,
    idScope: EMBEDDED_ID_SCOPE,
    ...(throttle === null ? {} : { throttle }),
    ...(stream === null ? {} : { stream }),
    ...(webhook === null ? {} : { webhook }),
    ...(attestation === undefined ? {} : { attestation }),
  });
  // A service token for the run's length and a day more: the observer never reconnects mid-run.
  const expiry = Math.floor(Date.now() / 1000 + plan.totalDurationMs / 1000 + 86_400);
  const password = createSasToken({ resourceUri: EMBEDDED_HUB_HOST, keyBase64: serviceKey, expiry, policyName: 'iothubowner' });
  const observerLogin = { clientId: `$service-observer-${randomBytes(4).toString('hex')}`, username: `${EMBEDDED_HUB_HOST}/$service`, password };
  const service = { url: hub.serviceUrl, hostName: EMBEDDED_HUB_HOST, serviceKey };
  const mqtts = hub.listening.find((l) => l.scheme === 'mqtts');
  const tls = mqtts === undefined || caFile === undefined ? undefined : { url: mqtts.url, caFile };
  return { url: hub.url, embedded: true, observerLogin, service, tls, deviceUrl: hub.deviceUrl, stats: () => hub.stats(), stop: () => hub.stop() };
}

function serviceLogin(connectionString: string, plan: RunPlan): ObserverLogin {
  let cs: ReturnType<typeof parseServiceConnectionString>;
  try {
    cs = parseServiceConnectionString(connectionString);
  } catch (err) {
    throw new FleetsimError('FLEETSIM_E_USAGE', `--hub-service: ${(err as Error).message}`, { hint: 'paste the "Service connection string" line fleetsim hub prints' });
  }
  const expiry = Math.floor(Date.now() / 1000 + plan.totalDurationMs / 1000 + 86_400);
  const password = createSasToken({ resourceUri: cs.hostName, keyBase64: cs.key, expiry, policyName: cs.policyName });
  return { clientId: `$service-observer-${randomBytes(4).toString('hex')}`, username: `${cs.hostName}/$service`, password };
}

/**
 * Devices of fleets with their own endpoint (a connection string's hub): the run observer, connected to the run target,
 * never sees their telemetry, so their sends are left out of the loss count.
 */
export function ownEndpointDevices(plan: RunPlan): Set<string> {
  return new Set(plan.fleets.filter((f) => f.transport.url !== undefined).map((f) => f.idPattern));
}

/** The plan as devices run it against this target: TLS fleets get the hub's mqtts listener and trust its CA. */
export function planForTarget(plan: RunPlan, target: Target, allTls: boolean): RunPlan {
  const tls = target.tls;
  if (tls === undefined) return plan;
  const fleets = plan.fleets.map((f) => {
    if (!fleetUsesTls(f, allTls)) return f;
    const own = f.transport.tls;
    const trust = { caFile: own?.caFile ?? tls.caFile, certFile: own?.certFile, keyFile: own?.keyFile, rejectUnauthorized: own?.rejectUnauthorized ?? true, servername: own?.servername };
    return { ...f, transport: { ...f.transport, url: tls.url, tls: trust } };
  });
  return { ...plan, fleets };
}
