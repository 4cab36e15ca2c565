/**
 * The Device Provisioning Service's MQTT face (reference §3): broker hooks that make aedes answer DPS clients as the
 * global endpoint does. CONNECT: username `{idScope}/registrations/{regId}/api-version=…` (no `?`, trap §0.8),
 * client id = registration id, SAS over `{idScope}/registrations/{regId}` with skn=registration verified against the
 * individual or derived group key (trap §0.3); CONNACK 5 otherwise. A client subscribes only to
 * `$dps/registrations/res/#` and publishes only the register and poll requests; each request is consumed and answered
 * on `$dps/registrations/res/{status}/?$rid=…[&retry-after=…]` with a JSON body (trap §0.7), to that client only.
 * Protocol state lives in service.ts (pure).
 */
import { DPS_RESPONSE_SUBSCRIPTION, allowedSubscription, dpsResponseTopic, parseDeviceTopic, parseDpsUsername, topicBelongsTo } from '../../iothub/index.js';
import type { BrokerClient, BrokerHooks, PublishDecision } from '../broker.js';
import type { Attestation } from './enrollments.js';
import { type DpsResponse, DpsService, type DpsServiceOptions } from './service.js';

export type DpsGatewayOptions = DpsServiceOptions;

/** CONNACK return codes (reference §1.7). */
const CONNACK = { ok: 0, identifierRejected: 2, notAuthorized: 5 } as const;
const RESPONSE_PREFIX = '$dps/registrations/res/';

interface DpsSession {
  readonly registrationId: string;
  readonly attestation: Attestation;
  readonly key: string;
}

export interface DpsStats {
  refusedConnects: Record<string, number>;
  refusedPublishes: Record<string, number>;
  refusedSubscriptions: number;
  /** Responses sent, by status. */
  responses: Record<string, number>;
}

export class DpsGateway {
  readonly service: DpsService;
  readonly stats: DpsStats = { refusedConnects: {}, refusedPublishes: {}, refusedSubscriptions: 0, responses: {} };
  private readonly sessions = new WeakMap<BrokerClient, DpsSession>();

  constructor(private readonly o: DpsGatewayOptions) {
    this.service = new DpsService(o);
  }

  get enrollments(): DpsService['enrollments'] {
    return this.service.enrollments;
  }

  get registrations(): DpsService['registrations'] {
    return this.service.registrations;
  }

  get idScope(): string {
    return this.o.idScope;
  }

  hooks(): BrokerHooks {
    return {
      authenticate: (client, username, password) => this.authenticate(client, username, password),
      authorizeSubscribe: (client, filter, qos) => this.authorizeSubscribe(client, filter, qos),
      authorizePublish: (client, topic, payload, qos) => this.authorizePublish(client, topic, payload, qos),
      authorizeForward: (client, topic) => this.sessions.has(client) && topic.startsWith(RESPONSE_PREFIX),
    };
  }

  private refuseConnect(reason: string, code: number): number {
    this.stats.refusedConnects[reason] = (this.stats.refusedConnects[reason] ?? 0) + 1;
    return code;
  }

  private authenticate(client: BrokerClient, username: string | undefined, password: Buffer | undefined): number {
    const user = username === undefined ? undefined : parseDpsUsername(username);
    if (user === undefined) return this.refuseConnect('bad-username', CONNACK.notAuthorized);
    if (user.idScope !== this.o.idScope) return this.refuseConnect('unknown-scope', CONNACK.notAuthorized);
    if (client.id !== user.registrationId) return this.refuseConnect('client-id-mismatch', CONNACK.identifierRejected);
    const token = password?.toString('utf8');
    if (token === undefined || token === '') {
      // X.509 attestation (§3): the certificate from the TLS handshake, CN = registration id, no password.
      const x = this.enrollments.attestX509(user.registrationId, client.peerCertificates(), this.o.clock.now());
      if (!x.ok) return this.refuseConnect(x.reason === 'no-certificate' ? 'no-sas' : `x509-${x.reason}`, CONNACK.notAuthorized);
      this.sessions.set(client, { registrationId: user.registrationId, attestation: x.attestation, key: '' });
      return CONNACK.ok;
    }
    const check = this.service.attest(user.registrationId, token, Math.floor(this.o.clock.now() / 1000));
    if (!check.ok) return this.refuseConnect(check.reason, CONNACK.notAuthorized);
    this.sessions.set(client, { registrationId: user.registrationId, attestation: check.attestation, key: check.key });
    return CONNACK.ok;
  }

  private authorizeSubscribe(client: BrokerClient, filter: string, qos: number): number | null {
    const s = this.sessions.get(client);
    if (s === undefined || filter !== DPS_RESPONSE_SUBSCRIPTION || !allowedSubscription(filter, s.registrationId, undefined, { endpoint: 'dps' })) {
      this.stats.refusedSubscriptions++;
      return null;
    }
    return Math.min(qos, 1); // QoS 2 is granted as 1 (§3)
  }

  private refusePublish(reason: string): 'refuse' {
    this.stats.refusedPublishes[reason] = (this.stats.refusedPublishes[reason] ?? 0) + 1;
    return 'refuse';
  }

  private authorizePublish(client: BrokerClient, topic: string, payload: Buffer, qos: number): PublishDecision {
    const s = this.sessions.get(client);
    if (s === undefined) return this.refusePublish('not-a-dps-client');
    if (qos > 1) return this.refusePublish('qos2');
    if (!topicBelongsTo(topic, s.registrationId, undefined, { endpoint: 'dps' })) return this.refusePublish('foreign-topic');
    const t = parseDeviceTopic(topic);
    if (t?.kind === 'dps-register') this.respond(client, t.rid, this.service.register(s.registrationId, s, payload));
    else if (t?.kind === 'dps-poll') this.respond(client, t.rid, this.service.poll(s.registrationId, t.operationId));
    else return this.refusePublish('unknown-topic');
    return 'consume';
  }

  private respond(client: BrokerClient, rid: string, r: DpsResponse): void {
    const key = String(r.status);
    this.stats.responses[key] = (this.stats.responses[key] ?? 0) + 1;
    void client.publish(dpsResponseTopic(r.status, rid, r.status === 202 ? r.retryAfterS : undefined), r.body, 0);
  }
}
