import { randomBytes } from 'node:crypto';
import { startEmbeddedHub } from '../hub/embedded.js';
import type { HubStats } from '../hub/hub-stats.js';
import { EMBEDDED_HUB_HOST, EMBEDDED_ID_SCOPE, createSasToken } from '../iothub/index.js';
import type { RunPlan } from '../scenario/plan.js';
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
  /** For the embedded hub: its throttling and telemetry-stream counters. */
  readonly stats: (() => Promise<HubStats>) | undefined;
  stop(): Promise<void>;
}

/**
 * The broker a run drives: fleetsim's embedded hub (started here with the run's IoT Hub fleets registered, stopped
 * after the run) or an external URL.
 */
export async function startTarget(plan: RunPlan): Promise<Target> {
  if (plan.target.kind === 'url') return { url: plan.target.url, embedded: false, observerLogin: undefined, service: undefined, stats: undefined, stop: async () => {} };
  const serviceKey = randomBytes(32).toString('base64');
  const fleets = plan.fleets.flatMap((f) =>
    f.transport.iothub === undefined
      ? []
      : [{ id: f.id, idPattern: f.idPattern, count: f.count, groupKey: f.transport.iothub.groupKey, provisioning: f.transport.iothub.provisioning }],
  );
  const { throttle, stream, webhook } = plan.hub;
  const hub = await startEmbeddedHub(undefined, {
    hostName: EMBEDDED_HUB_HOST,
    serviceKey,
    fleets,
    idScope: EMBEDDED_ID_SCOPE,
    ...(throttle === null ? {} : { throttle }),
    ...(stream === null ? {} : { stream }),
    ...(webhook === null ? {} : { webhook }),
  });
  // A service token for the run's length and a day more: the observer never reconnects mid-run.
  const expiry = Math.floor(Date.now() / 1000 + plan.totalDurationMs / 1000 + 86_400);
  const password = createSasToken({ resourceUri: EMBEDDED_HUB_HOST, keyBase64: serviceKey, expiry, policyName: 'iothubowner' });
  const observerLogin = { clientId: `$service-observer-${randomBytes(4).toString('hex')}`, username: `${EMBEDDED_HUB_HOST}/$service`, password };
  const service = { url: hub.serviceUrl, hostName: EMBEDDED_HUB_HOST, serviceKey };
  return { url: hub.url, embedded: true, observerLogin, service, stats: () => hub.stats(), stop: () => hub.stop() };
}
