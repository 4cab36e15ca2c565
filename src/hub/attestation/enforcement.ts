/**
 * Hub enforcement of attestation (`require: off | refuse | quarantine`) as a layer of broker hooks around the hub's
 * own (embeddedHooks). Secure-OS devices are registered with keys derived from the attestation service's secret
 * (register.ts), so `refuse` needs nothing here: any CONNECT without a token the service minted (or an X.509
 * credential it issued) fails the gateway's own check with CONNACK 5; this layer only counts those refusals. Under
 * `quarantine`, a token signed with the device's quarantine key is admitted here, outside the gateway (no twin, no
 * methods, no telemetry): the client may publish and subscribe only under `$fleetsim/firmware/`; any other publish
 * closes the connection, any other subscription is refused (SUBACK 0x80).
 */
import { quarantineDeviceKey } from '../../attestation/credentials.js';
import type { Clock } from '../../core/clock.js';
import { deviceResource, parseHubUsername, verifySasToken } from '../../iothub/index.js';
import type { BrokerClient, BrokerHooks, PublishDecision } from '../broker.js';
import type { AttestationService } from '../../attestation/service.js';

export const FIRMWARE_TOPIC_PREFIX = '$fleetsim/firmware/';

/** Connection-level counters of enforcement (the verifier counts attestations itself). */
export interface EnforcementStats {
  /** CONNECTs of secure-OS devices refused (CONNACK ≠ 0) while attestation is required. */
  refusedConnects: number;
  /** Connections admitted with an update-only (quarantine) credential. */
  quarantinedConnections: number;
  /** Quarantined clients' publishes outside the firmware topics (each closed the connection). */
  quarantineRefusedPublishes: number;
  /** Quarantined clients' subscriptions outside the firmware topics (SUBACK 0x80). */
  quarantineRefusedSubscriptions: number;
  /** Publishes to the firmware topics from quarantined clients (handed to the firmware server). */
  firmwareRequests: number;
}

export interface EnforcementOptions {
  readonly service: AttestationService;
  readonly hostName: string;
  readonly clock: Clock;
  /**
   * The firmware server's MQTT side, for quarantined clients' requests under `$fleetsim/firmware/` (answer with
   * `client.publish`). Default: acknowledged and dropped ('consume').
   */
  readonly onFirmwareRequest?: (client: BrokerClient, deviceId: string, topic: string, payload: Buffer) => PublishDecision | Promise<PublishDecision>;
}

export function isFirmwareTopic(topic: string): boolean {
  return topic.startsWith(FIRMWARE_TOPIC_PREFIX);
}

export function attestationHooks(inner: BrokerHooks, o: EnforcementOptions): { hooks: BrokerHooks; stats: EnforcementStats } {
  const stats: EnforcementStats = { refusedConnects: 0, quarantinedConnections: 0, quarantineRefusedPublishes: 0, quarantineRefusedSubscriptions: 0, firmwareRequests: 0 };
  const quarantined = new WeakMap<BrokerClient, string>();

  const isQuarantineToken = (deviceId: string, password: Buffer | undefined): boolean => {
    if (password === undefined) return false;
    const check = verifySasToken(password.toString('utf8'), {
      resource: deviceResource(o.hostName, deviceId),
      keyBase64: quarantineDeviceKey(o.service.serviceKey, deviceId),
      nowS: Math.floor(o.clock.now() / 1000),
    });
    return check.ok;
  };
  const countRefusal = (code: number): number => {
    if (code !== 0) stats.refusedConnects++;
    return code;
  };

  const hooks: BrokerHooks = {
    ...inner,
    authenticate(client, username, password) {
      const deviceId = username === undefined ? undefined : parseHubUsername(username)?.deviceId;
      const policy = deviceId === undefined ? undefined : o.service.policyOf(deviceId);
      const next = () => inner.authenticate?.(client, username, password) ?? 0;
      if (deviceId === undefined || policy === undefined || policy.require === 'off') return next();
      if (policy.require === 'quarantine' && client.id === deviceId && isQuarantineToken(deviceId, password)) {
        quarantined.set(client, deviceId);
        stats.quarantinedConnections++;
        return 0;
      }
      const code = next();
      return typeof code === 'number' ? countRefusal(code) : code.then(countRefusal);
    },
    authorizePublish(client, topic, payload, qos, retain) {
      const deviceId = quarantined.get(client);
      if (deviceId === undefined) return inner.authorizePublish?.(client, topic, payload, qos, retain) ?? 'forward';
      if (!isFirmwareTopic(topic) || qos > 1) {
        stats.quarantineRefusedPublishes++;
        return 'refuse';
      }
      stats.firmwareRequests++;
      return o.onFirmwareRequest?.(client, deviceId, topic, payload) ?? 'consume';
    },
    authorizeSubscribe(client, filter, qos) {
      if (!quarantined.has(client)) return inner.authorizeSubscribe?.(client, filter, qos) ?? null;
      if (isFirmwareTopic(filter)) return Math.min(qos, 1);
      stats.quarantineRefusedSubscriptions++;
      return null;
    },
    authorizeForward(client, topic) {
      if (!quarantined.has(client)) return inner.authorizeForward?.(client, topic) ?? true;
      return isFirmwareTopic(topic);
    },
    acked(client, topic) {
      if (!quarantined.has(client)) inner.acked?.(client, topic);
    },
    disconnected(client) {
      if (!quarantined.has(client)) inner.disconnected?.(client);
    },
  };
  return { hooks, stats };
}
