import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import type { BrokerClient } from '../../src/hub/broker.js';
import { type Assign, DpsGateway, DpsService, type DpsServiceOptions } from '../../src/hub/dps/index.js';
import { createSasToken, deriveDeviceKey, dpsPollTopic, dpsRegisterTopic, dpsResource, dpsUsername, encodeUriComponentStrict } from '../../src/iothub/index.js';

const SCOPE = '0ne0000F1EE';
const HUB = 'fleetsim.azure-devices.net';
const KEY = Buffer.from('0123456789abcdef0123456789abcdef').toString('base64');
const GROUP = Buffer.from('group key group key group key 32').toString('base64');
const T0 = Date.UTC(2026, 0, 1);
const NOW_S = T0 / 1000;

function setup(o: Partial<DpsServiceOptions> = {}) {
  const clock = new ManualClock(T0);
  const assigned: Array<Parameters<Assign>> = [];
  let n = 0;
  const svc = new DpsService({
    idScope: SCOPE,
    assignedHub: HUB,
    clock,
    assign: (...args) => void assigned.push(args),
    newId: () => `00000000-0000-0000-0000-${String(++n).padStart(12, '0')}`,
    ...o,
  });
  return { svc, clock, assigned };
}

function sas(registrationId: string, key: string, expiry = NOW_S + 3600): string {
  return createSasToken({ resourceUri: dpsResource(SCOPE, registrationId), keyBase64: key, expiry, policyName: 'registration' });
}

/** The Node SDK's DPS token: HMAC over the *un-encoded* resource, sr sent raw (trap §0.3). */
function nodeSdkSas(registrationId: string, key: string, expiry = NOW_S + 3600): string {
  const sr = dpsResource(SCOPE, registrationId);
  const sig = createHmac('sha256', Buffer.from(key, 'base64')).update(`${sr}\n${expiry}`).digest('base64');
  return `SharedAccessSignature sr=${sr}&sig=${encodeUriComponentStrict(sig)}&skn=registration&se=${expiry}`;
}

function attested(svc: DpsService, registrationId: string, key: string) {
  const a = svc.attest(registrationId, sas(registrationId, key), NOW_S);
  if (!a.ok) throw new Error(a.reason);
  return a;
}

const body = (o: unknown) => Buffer.from(JSON.stringify(o));

describe('DpsService.attest', () => {
  it('accepts the individual key (primary or secondary), encoded or as the Node SDK signs it', () => {
    const { svc } = setup();
    const secondary = Buffer.from('secondary key secondary key 0123').toString('base64');
    svc.enrollments.addIndividual({ registrationId: 'd1', primaryKey: KEY, secondaryKey: secondary });
    expect(svc.attest('d1', sas('d1', KEY), NOW_S)).toMatchObject({ ok: true, key: KEY, expiry: NOW_S + 3600 });
    expect(svc.attest('d1', nodeSdkSas('d1', KEY), NOW_S)).toMatchObject({ ok: true, key: KEY });
    expect(svc.attest('d1', sas('d1', secondary), NOW_S)).toMatchObject({ ok: true, key: secondary });
  });

  it('accepts a group-derived key and names the group; the group key itself is not a device key', () => {
    const { svc } = setup();
    svc.enrollments.addGroup({ name: 'other', primaryKey: KEY });
    svc.enrollments.addGroup({ name: 'fleet', primaryKey: GROUP });
    const derived = deriveDeviceKey(GROUP, 'dev-1');
    const ok = svc.attest('dev-1', nodeSdkSas('dev-1', derived), NOW_S);
    expect(ok.ok && ok.attestation.enrollment.kind === 'group' && ok.attestation.enrollment.name).toBe('fleet');
    expect(svc.attest('dev-1', sas('dev-1', GROUP), NOW_S)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('refuses: unknown registration, disabled enrollment, expired, foreign resource, malformed; individual beats group', () => {
    const { svc } = setup();
    expect(svc.attest('nobody', sas('nobody', KEY), NOW_S)).toEqual({ ok: false, reason: 'unknown-enrollment' });
    svc.enrollments.addGroup({ name: 'g', primaryKey: GROUP, status: 'disabled' });
    expect(svc.attest('dev-2', sas('dev-2', deriveDeviceKey(GROUP, 'dev-2')), NOW_S)).toEqual({ ok: false, reason: 'disabled' });
    svc.enrollments.setStatus('group', 'g', 'enabled');
    expect(svc.attest('dev-2', sas('dev-2', deriveDeviceKey(GROUP, 'dev-2'), NOW_S - 1), NOW_S)).toEqual({ ok: false, reason: 'expired' });
    expect(svc.attest('dev-2', sas('dev-3', deriveDeviceKey(GROUP, 'dev-2')), NOW_S)).toEqual({ ok: false, reason: 'wrong-resource' });
    expect(svc.attest('dev-2', 'SharedAccessSignature nonsense', NOW_S)).toEqual({ ok: false, reason: 'malformed' });
    // An individual enrollment takes precedence: the group-derived key no longer works for that id.
    svc.enrollments.addIndividual({ registrationId: 'dev-2', primaryKey: KEY });
    expect(svc.attest('dev-2', sas('dev-2', deriveDeviceKey(GROUP, 'dev-2')), NOW_S)).toEqual({ ok: false, reason: 'bad-signature' });
  });
});

describe('DpsService register → poll', () => {
  it('202 assigning with retry-after, then the first poll assigns (default) and calls assign once', () => {
    const { svc, assigned } = setup();
    svc.enrollments.addIndividual({ registrationId: 'd1', primaryKey: KEY, deviceId: 'pump-1', initialDesired: { x: 1 } });
    const r = svc.register('d1', attested(svc, 'd1', KEY), body({ registrationId: 'd1', payload: { fw: '2' } }));
    expect(r.status).toBe(202);
    expect(r.retryAfterS).toBe(3);
    const accepted = JSON.parse(r.body) as { operationId: string; status: string };
    expect(accepted).toEqual({ operationId: expect.stringMatching(/^4\.[0-9a-f]{16}\.00000000-0000-0000-0000-000000000001$/), status: 'assigning' });
    expect(svc.pendingOperation('d1')).toBe(accepted.operationId);
    expect(assigned).toEqual([]);

    const done = svc.poll('d1', accepted.operationId);
    expect(done.status).toBe(200);
    expect(done.retryAfterS).toBeUndefined();
    expect(JSON.parse(done.body)).toEqual({
      operationId: accepted.operationId,
      status: 'assigned',
      registrationState: {
        registrationId: 'd1', createdDateTimeUtc: '2026-01-01T00:00:00.000Z', assignedHub: HUB, deviceId: 'pump-1', status: 'assigned',
        substatus: 'initialAssignment', lastUpdatedDateTimeUtc: '2026-01-01T00:00:00.000Z', etag: expect.any(String), payload: { fw: '2' },
      },
    }); // prettier-ignore
    expect(assigned).toHaveLength(1);
    expect(assigned[0]?.slice(0, 3)).toEqual(['d1', 'pump-1', KEY]);
    expect(assigned[0]?.[3]).toMatchObject({ primaryKey: KEY, secondaryKey: KEY, initialDesired: { x: 1 } });
    // Polling again answers the same state and does not assign again.
    expect(JSON.parse(svc.poll('d1', accepted.operationId).body)).toMatchObject({ status: 'assigned' });
    expect(assigned).toHaveLength(1);
    expect(svc.pendingOperation('d1')).toBeUndefined();
  });

  it('pollsBeforeAssigned keeps the operation assigning for that many polls', () => {
    const { svc, assigned } = setup({ pollsBeforeAssigned: 2, retryAfterS: 1 });
    svc.enrollments.addGroup({ name: 'g', primaryKey: GROUP });
    const key = deriveDeviceKey(GROUP, 'dev-1');
    const op = (JSON.parse(svc.register('dev-1', attested(svc, 'dev-1', key), body({ registrationId: 'dev-1' })).body) as { operationId: string }).operationId;
    const statuses = [1, 2, 3].map(() => svc.poll('dev-1', op)).map((r) => [r.status, r.retryAfterS, (JSON.parse(r.body) as { status: string }).status]);
    expect(statuses).toEqual([[202, 1, 'assigning'], [202, 1, 'assigning'], [200, undefined, 'assigned']]);
    expect(assigned.map((a) => a.slice(0, 3))).toEqual([['dev-1', 'dev-1', key]]);
    expect(assigned[0]?.[3].secondaryKey).toBe(key); // group without a secondary key: secondary = primary
  });

  it('an assign that throws makes the registration failed (200, status failed, errorCode from the error)', () => {
    const { svc } = setup({
      assign: () => {
        throw Object.assign(new Error('Device already exists'), { errorCode: 409001 });
      },
    });
    svc.enrollments.addIndividual({ registrationId: 'd1', primaryKey: KEY });
    const op = (JSON.parse(svc.register('d1', attested(svc, 'd1', KEY), body({ registrationId: 'd1' })).body) as { operationId: string }).operationId;
    const r = svc.poll('d1', op);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ status: 'failed', registrationState: { status: 'failed', errorCode: 409001, errorMessage: 'Device already exists' } });
    expect(svc.registrations.get('d1')?.status).toBe('failed');
  });

  it('errors: 400 bad body or another registration id, 404 unknown or foreign operation, 401 enrollment disabled since CONNECT', () => {
    const { svc, clock } = setup();
    svc.enrollments.addIndividual({ registrationId: 'd1', primaryKey: KEY });
    svc.enrollments.addIndividual({ registrationId: 'd2', primaryKey: KEY });
    const a1 = attested(svc, 'd1', KEY);
    clock.advance(1500);
    const bad = svc.register('d1', a1, Buffer.from('{'));
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toEqual({ errorCode: 400004, trackingId: '00000000-0000-0000-0000-000000000001', message: expect.any(String), timestampUtc: '2026-01-01T00:00:01.500Z' });
    expect(Object.keys(JSON.parse(bad.body) as object)).toEqual(['errorCode', 'trackingId', 'message', 'timestampUtc']);
    expect(svc.register('d1', a1, body([1])).status).toBe(400);
    expect(svc.register('d1', a1, body({ registrationId: 'd2' })).status).toBe(400);
    expect(svc.poll('d1', '4.x.y').status).toBe(404);
    const op = (JSON.parse(svc.register('d1', a1, body({ registrationId: 'd1' })).body) as { operationId: string }).operationId;
    const foreign = svc.poll('d2', op);
    expect([foreign.status, (JSON.parse(foreign.body) as { errorCode: number }).errorCode]).toEqual([404, 404201]);
    svc.enrollments.setStatus('individual', 'd1', 'disabled');
    const disabled = svc.register('d1', a1, body({ registrationId: 'd1' }));
    expect([disabled.status, (JSON.parse(disabled.body) as { errorCode: number }).errorCode]).toEqual([401, 401002]);
  });

  it('a new register replaces the previous operation; the record keeps its creation time', () => {
    const { svc, clock } = setup();
    svc.enrollments.addIndividual({ registrationId: 'd1', primaryKey: KEY });
    const a = attested(svc, 'd1', KEY);
    const op1 = (JSON.parse(svc.register('d1', a, body({ registrationId: 'd1' })).body) as { operationId: string }).operationId;
    svc.poll('d1', op1);
    clock.advance(10_000);
    const op2 = (JSON.parse(svc.register('d1', a, body({ registrationId: 'd1' })).body) as { operationId: string }).operationId;
    expect(op2).not.toBe(op1);
    expect(svc.poll('d1', op1).status).toBe(404);
    const state = (JSON.parse(svc.poll('d1', op2).body) as { registrationState: { createdDateTimeUtc: string; lastUpdatedDateTimeUtc: string } }).registrationState;
    expect(state.createdDateTimeUtc).toBe('2026-01-01T00:00:00.000Z');
    expect(state.lastUpdatedDateTimeUtc).toBe('2026-01-01T00:00:10.000Z');
  });
});

describe('DpsService.setEnrollmentStatus', () => {
  it('disabling a group turns its registrations disabled and refuses new attestations; enabling lets them in again', () => {
    const { svc } = setup();
    svc.enrollments.addGroup({ name: 'g', primaryKey: GROUP });
    svc.enrollments.addIndividual({ registrationId: 'solo', primaryKey: KEY });
    for (const [id, key] of [['dev-1', deriveDeviceKey(GROUP, 'dev-1')], ['solo', KEY]] as const) {
      const op = (JSON.parse(svc.register(id, attested(svc, id, key), body({ registrationId: id })).body) as { operationId: string }).operationId;
      svc.poll(id, op);
    }
    expect(svc.setEnrollmentStatus('group', 'g', 'disabled')).toBe(true);
    expect(svc.registrations.get('dev-1')?.status).toBe('disabled');
    expect(svc.registrations.get('solo')?.status).toBe('assigned');
    expect(svc.attest('dev-1', sas('dev-1', deriveDeviceKey(GROUP, 'dev-1')), NOW_S)).toEqual({ ok: false, reason: 'disabled' });
    expect(svc.setEnrollmentStatus('group', 'g', 'enabled')).toBe(true);
    expect(svc.attest('dev-1', sas('dev-1', deriveDeviceKey(GROUP, 'dev-1')), NOW_S).ok).toBe(true);
    expect(svc.setEnrollmentStatus('group', 'nope', 'disabled')).toBe(false);
  });
});

/** A BrokerClient that records what the gateway publishes to it. */
function fakeClient(id: string): BrokerClient & { sent: Array<{ topic: string; payload: string }> } {
  const sent: Array<{ topic: string; payload: string }> = [];
  return {
    id,
    socket: undefined,
    peerCertificates: () => [],
    sent,
    publish: (topic, payload) => {
      sent.push({ topic, payload: payload.toString() });
      return Promise.resolve();
    },
    close: () => {},
    closed: false,
  };
}

describe('DpsGateway hooks', () => {
  function gateway() {
    const clock = new ManualClock(T0);
    const g = new DpsGateway({ idScope: SCOPE, assignedHub: HUB, clock, assign: () => {}, retryAfterS: 2 });
    g.enrollments.addIndividual({ registrationId: 'd1', primaryKey: KEY });
    return { g, hooks: g.hooks() };
  }

  it('CONNECT: 0 for a good DPS login; 5 for bad username, other scope, bad key, no password; 2 for a client id mismatch', () => {
    const { g, hooks } = gateway();
    const auth = (id: string, user: string | undefined, pass: string | undefined) => hooks.authenticate?.(fakeClient(id), user, pass === undefined ? undefined : Buffer.from(pass));
    expect(auth('d1', dpsUsername(SCOPE, 'd1', { clientVersion: 'x/1' }), nodeSdkSas('d1', KEY))).toBe(0);
    expect(auth('d1', `${HUB}/d1/?api-version=2021-04-12`, sas('d1', KEY))).toBe(5);
    expect(auth('d1', dpsUsername('0ne00000000', 'd1'), sas('d1', KEY))).toBe(5);
    expect(auth('d1', dpsUsername(SCOPE, 'd1'), sas('d1', GROUP))).toBe(5);
    expect(auth('d1', dpsUsername(SCOPE, 'd1'), undefined)).toBe(5);
    expect(auth('d2', dpsUsername(SCOPE, 'd1'), sas('d1', KEY))).toBe(2);
    expect(g.stats.refusedConnects).toEqual({ 'bad-username': 1, 'unknown-scope': 1, 'bad-signature': 1, 'no-sas': 1, 'client-id-mismatch': 1 });
  });

  it('subscribe only $dps/registrations/res/# (QoS 2 granted as 1); requests are consumed and answered to the client', () => {
    const { g, hooks } = gateway();
    const c = fakeClient('d1');
    expect(hooks.authenticate?.(c, dpsUsername(SCOPE, 'd1'), Buffer.from(sas('d1', KEY)))).toBe(0);
    expect(hooks.authorizeSubscribe?.(c, '$dps/registrations/res/#', 2)).toBe(1);
    expect(hooks.authorizeSubscribe?.(c, '$dps/#', 1)).toBeNull();
    expect(hooks.authorizeSubscribe?.(c, '$iothub/twin/res/#', 0)).toBeNull();
    expect(hooks.authorizePublish?.(c, dpsRegisterTopic('r1'), body({ registrationId: 'd1' }), 1, false)).toBe('consume');
    expect(c.sent[0]?.topic).toBe('$dps/registrations/res/202/?$rid=r1&retry-after=2');
    const op = (JSON.parse(c.sent[0]?.payload ?? '') as { operationId: string }).operationId;
    expect(hooks.authorizePublish?.(c, dpsPollTopic('r2', op), Buffer.from(' '), 1, false)).toBe('consume');
    expect(c.sent[1]?.topic).toBe('$dps/registrations/res/200/?$rid=r2');
    expect(hooks.authorizePublish?.(c, 'devices/d1/messages/events/', Buffer.from('x'), 1, false)).toBe('refuse');
    expect(hooks.authorizePublish?.(c, dpsRegisterTopic('r3'), body({ registrationId: 'd1' }), 2, false)).toBe('refuse');
    expect(hooks.authorizeForward?.(c, '$dps/registrations/res/200/?$rid=r2')).toBe(true);
    expect(hooks.authorizeForward?.(c, 'devices/d1/messages/devicebound/x')).toBe(false);
    // An unauthenticated client gets nothing.
    const stranger = fakeClient('d9');
    expect(hooks.authorizeSubscribe?.(stranger, '$dps/registrations/res/#', 1)).toBeNull();
    expect(hooks.authorizePublish?.(stranger, dpsRegisterTopic('r'), body({}), 1, false)).toBe('refuse');
    expect(g.stats).toMatchObject({ refusedSubscriptions: 3, refusedPublishes: { 'foreign-topic': 1, qos2: 1, 'not-a-dps-client': 1 }, responses: { '202': 1, '200': 1 } });
  });
});
