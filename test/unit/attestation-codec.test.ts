import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.js';
import {
  NonceStore, decodeChallenge, decodeChallengeRequest, decodeEvidence, decodeOutcome, encodeChallenge, encodeEvidence, encodeOutcome,
} from '../../src/attestation/index.js';
import { makeEvidence } from '../../src/devices/secure-os/index.js';
import { bootDevice, verifier } from '../support/secure-os.js';

describe('attestation: JSON codec of the HTTP bodies', () => {
  it('evidence survives JSON (Buffers as base64) and still verifies', () => {
    const { v } = verifier();
    const ch = decodeChallenge(JSON.parse(JSON.stringify(encodeChallenge(v.challenge('dev-0')))));
    if (!ch.ok) throw new Error(ch.error);
    const ev = makeEvidence(bootDevice(0), ch.value.nonce);
    const back = decodeEvidence(JSON.parse(encodeEvidence(ev)));
    if (!back.ok) throw new Error(back.error);
    expect(back.value).toEqual(ev);
    const out = v.verify(back.value);
    const { status, body } = encodeOutcome(out);
    expect(status).toBe(200);
    const decoded = decodeOutcome(status, JSON.parse(JSON.stringify(body)));
    expect(decoded.ok && decoded.value.ok && decoded.value.credential.kind).toBe('sas');
  });

  it('a refusal is 403 {errorCode 403100, reason, message}; a quarantine carries its update-only credential', () => {
    const { v } = verifier({ onRefusal: 'quarantine' });
    const out = v.verify(makeEvidence(bootDevice(0), 'not-issued'));
    const { status, body } = encodeOutcome(out);
    expect(status).toBe(403);
    expect(body).toMatchObject({ errorCode: 403100, reason: 'NONCE_UNKNOWN', credential: { kind: 'sas', scope: 'update-only' } });
    const decoded = decodeOutcome(403, JSON.parse(JSON.stringify(body)));
    expect(decoded.ok && !decoded.value.ok && decoded.value.quarantine?.scope).toBe('update-only');
  });

  it('bad bodies give a message naming the field, never a throw', () => {
    expect(decodeChallengeRequest({})).toEqual({ ok: false, error: 'body must be {"deviceId": "<non-empty string>"}' });
    expect(decodeEvidence(null)).toMatchObject({ ok: false, error: 'evidence must be a JSON object' });
    const ev = JSON.parse(encodeEvidence(makeEvidence(bootDevice(0), 'n'))) as Record<string, unknown>;
    expect(decodeEvidence({ ...ev, fwid: 'not base64!' })).toEqual({ ok: false, error: 'fwid must be a base64 string' });
    expect(decodeEvidence({ ...ev, measurements: [{ layer: 'kernel' }] })).toMatchObject({ ok: false, error: expect.stringMatching(/^measurements\[0\]/) });
    expect(decodeOutcome(500, { message: 'boom' })).toEqual({ ok: false, error: 'HTTP 500: boom' });
  });
});

describe('attestation: nonce store', () => {
  it('forgets expired nonces after a second lifetime, so memory stays bounded', () => {
    const store = new NonceStore(1000, createRng('n'));
    for (let t = 0; t < 10_000; t += 10) store.issue('d', t);
    expect(store.size).toBeLessThanOrEqual(201);
    const { nonce } = store.issue('d', 10_000);
    expect(store.take(nonce, 'd', 10_500)).toBe('ok');
    expect(store.take(nonce, 'd', 10_500)).toBe('unknown');
  });
});
