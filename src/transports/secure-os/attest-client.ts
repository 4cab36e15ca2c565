/**
 * The device side of the attestation protocol (docs/secure-os.md, HTTP protocol): POST /attestation/challenge for a
 * nonce, then POST /attestation/evidence with the evidence over that nonce; the answer is a credential (200), or a
 * refusal with its reason (403), possibly with an update-only credential (quarantine). Over the fleet's keep-alive
 * agents (http-client.ts), so the device's HTTP goes through one place.
 */
import {
  ATTESTATION_CHALLENGE_PATH,
  ATTESTATION_EVIDENCE_PATH,
  type AttestationOutcome,
  decodeChallenge,
  decodeOutcome,
  encodeChallengeRequest,
  encodeEvidence,
} from '../../attestation/index.js';
import type { Evidence } from '../../devices/secure-os/index.js';
import { type HttpAgents, type HttpAnswer, send } from '../iothub/http-client.js';
import { TransportError } from '../transport.js';

const JSON_HEADERS = { 'content-type': 'application/json' };

function parse(answer: HttpAnswer, what: string): unknown {
  try {
    return JSON.parse(answer.body.toString('utf8'));
  } catch {
    throw new TransportError(`ATTESTATION_HTTP_${answer.status}`, `${what}: HTTP ${answer.status}, not JSON`);
  }
}

/**
 * One attestation: challenge for `deviceId` (the id the device presents), evidence from `evidenceFor(nonce)`. Resolves
 * with the verifier's outcome; rejects with a TransportError (ATTESTATION_HTTP_<status>, a network code) when there
 * is no verdict to read.
 */
export async function attest(baseUrl: string, agents: HttpAgents, deviceId: string, evidenceFor: (nonce: string) => Evidence, timeoutMs: number): Promise<AttestationOutcome> {
  const signal = AbortSignal.timeout(timeoutMs);
  const base = baseUrl.replace(/\/$/, '');
  const c = await send(`${base}${ATTESTATION_CHALLENGE_PATH}`, 'POST', { headers: JSON_HEADERS, body: encodeChallengeRequest(deviceId), signal, anyStatus: true }, agents);
  if (c.status !== 200) throw new TransportError(`ATTESTATION_HTTP_${c.status}`, `challenge for ${deviceId}: HTTP ${c.status} ${c.body.toString('utf8').slice(0, 200)}`);
  const challenge = decodeChallenge(parse(c, 'challenge'));
  if (!challenge.ok) throw new TransportError('ATTESTATION_BAD_CHALLENGE', challenge.error);
  const e = await send(`${base}${ATTESTATION_EVIDENCE_PATH}`, 'POST', { headers: JSON_HEADERS, body: encodeEvidence(evidenceFor(challenge.value.nonce)), signal, anyStatus: true }, agents);
  const outcome = decodeOutcome(e.status, parse(e, 'evidence'));
  if (!outcome.ok) throw new TransportError(`ATTESTATION_HTTP_${e.status}`, `evidence of ${deviceId}: ${outcome.error}`);
  return outcome.value;
}
