/**
 * Device Provisioning Service over MQTT, device side (reference §3): connect as the registration (SAS over
 * `{idScope}/registrations/{regId}`, skn=registration, key derived from the group key), subscribe to the responses,
 * register, poll with the operation id after each `retry-after`, and return the assigned hub and device id.
 */
import type { Clock } from '../../core/clock.js';
import {
  DPS_RESPONSE_SUBSCRIPTION,
  createSasToken,
  dpsPollTopic,
  dpsRegisterTopic,
  dpsResource,
  dpsUsername,
  parseHubTopic,
} from '../../iothub/index.js';
import type { IotHubDevicePlan } from '../../scenario/plan.js';
import type { Connection, Transport } from '../transport.js';
import type { DeviceCredentials } from './credentials.js';
import { TransportError } from '../transport.js';

export interface Assignment {
  readonly assignedHub: string;
  readonly deviceId: string;
}

/** DPS asks for 3 s between polls; never poll faster than this, whatever it says. */
const MIN_POLL_MS = 100;

export async function provision(
  mqtt: Transport,
  hub: IotHubDevicePlan,
  credentials: DeviceCredentials,
  registrationId: string,
  clock: Clock,
  timeoutMs: number,
): Promise<Assignment> {
  const expiry = Math.floor((clock.now() + hub.sasTtlMs) / 1000);
  // X.509 attestation: the certificate (CN = registration id) in the TLS handshake, no password (reference §3).
  const clientCert = credentials.clientCert(registrationId);
  const password = credentials.x509
    ? undefined
    : createSasToken({ resourceUri: dpsResource(hub.idScope, registrationId), keyBase64: credentials.key(registrationId), expiry, policyName: 'registration' });
  let onResponse: (status: number, retryAfterS: number | undefined, body: unknown) => void = () => {};
  const conn: Connection = await mqtt.connect({
    identity: { deviceId: registrationId, clientId: registrationId, username: dpsUsername(hub.idScope, registrationId), password, ...(clientCert === undefined ? {} : { clientCert }) },
    onClose: () => onResponse(0, undefined, null),
    onMessage: (topic, payload) => {
      const t = parseHubTopic(topic);
      if (t?.kind !== 'dps-response') return;
      let body: unknown = null;
      try {
        body = JSON.parse(payload.toString('utf8'));
      } catch {
        body = null;
      }
      onResponse(t.status, t.retryAfterS, body);
    },
  });
  try {
    await conn.subscribe([{ topic: DPS_RESPONSE_SUBSCRIPTION, qos: 1 }]);
    const deadline = clock.now() + timeoutMs;
    let rid = 0;
    const ask = (topic: string, body: string): Promise<{ status: number; retryAfterS: number | undefined; body: unknown }> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new TransportError('DPS_TIMEOUT', 'no answer from DPS in time')), Math.max(1, deadline - clock.now()));
        onResponse = (status, retryAfterS, b) => {
          clearTimeout(timer);
          if (status === 0) reject(new TransportError('DPS_CONNECTION_LOST', 'DPS closed the connection'));
          else resolve({ status, retryAfterS, body: b });
        };
        conn.publish(topic, body, 1, (err) => {
          if (err !== undefined) {
            clearTimeout(timer);
            reject(err);
          }
        });
      });
    let answer = await ask(dpsRegisterTopic((++rid).toString()), JSON.stringify({ registrationId }));
    for (;;) {
      const state = answer.body as { operationId?: string; status?: string; registrationState?: { assignedHub?: string; deviceId?: string } } | null;
      if (answer.status === 200 && state?.status === 'assigned' && state.registrationState?.assignedHub !== undefined) {
        return { assignedHub: state.registrationState.assignedHub, deviceId: state.registrationState.deviceId ?? registrationId };
      }
      if (answer.status !== 202 || state?.operationId === undefined) {
        const code = (answer.body as { errorCode?: unknown } | null)?.errorCode;
        throw new TransportError(`DPS_${answer.status}`, `DPS refused the registration${code === undefined ? '' : ` (${String(code)})`}: status ${state?.status ?? answer.status}`);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(MIN_POLL_MS, (answer.retryAfterS ?? 3) * 1000)));
      answer = await ask(dpsPollTopic((++rid).toString(), state.operationId), ' ');
    }
  } finally {
    await conn.close();
  }
}
