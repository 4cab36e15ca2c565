/**
 * The attestation service's HTTP endpoints (docs/secure-os.md, "HTTP protocol"), as a handler that takes the requests
 * it owns and leaves the rest to the next handler (mounted in front of the device endpoints and the service API on the
 * hub's HTTP(S) server, or alone by `fleetsim attestation`):
 *   POST /attestation/challenge {deviceId}  → 200 {nonce, expiresAtUtc}
 *   POST /attestation/evidence  Evidence    → 200 {credential} | 403 {errorCode 403100, reason, message[, credential]}
 * Bad bodies are 400 ({errorCode 400004|400006, message}), other methods 405, as the service API answers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ATTESTATION_CHALLENGE_PATH, ATTESTATION_EVIDENCE_PATH, decodeChallengeRequest, decodeEvidence, encodeChallenge, encodeOutcome } from '../../attestation/codec.js';
import type { Verifier } from '../../attestation/verifier.js';
import { ApiError, badRequest, readJson, sendError, sendJson, toApiError } from '../service-api/http.js';

/** Largest evidence body accepted: a measurement log and two certificates are about 2 KiB of JSON. */
const MAX_EVIDENCE_BYTES = 64 * 1024;

export interface AttestationHttp {
  tryHandle(req: IncomingMessage, res: ServerResponse): boolean;
}

export function createAttestationHttp(verifier: Verifier): AttestationHttp {
  const serve = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    if (req.method !== 'POST') {
      req.resume();
      throw new ApiError(405000, 'MethodNotAllowed', `${req.method ?? '?'} ${path}: only POST is allowed`);
    }
    if (Number(req.headers['content-length'] ?? 0) > MAX_EVIDENCE_BYTES) throw new ApiError(413001, 'MessageTooLarge', `Request body is over the ${MAX_EVIDENCE_BYTES}-byte limit`);
    const body = await readJson(req);
    if (path === ATTESTATION_CHALLENGE_PATH) {
      const r = decodeChallengeRequest(body);
      if (!r.ok) throw badRequest(r.error);
      sendJson(res, 200, encodeChallenge(verifier.challenge(r.value.deviceId)));
      return;
    }
    const ev = decodeEvidence(body);
    if (!ev.ok) throw badRequest(ev.error);
    const { status, body: out } = encodeOutcome(verifier.verify(ev.value));
    sendJson(res, status, out);
  };
  return {
    tryHandle(req, res) {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if (path !== ATTESTATION_CHALLENGE_PATH && path !== ATTESTATION_EVIDENCE_PATH) return false;
      serve(req, res, path).catch((err: unknown) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        if (!req.complete) {
          req.resume();
          res.setHeader('connection', 'close');
        }
        sendError(res, toApiError(err));
      });
      return true;
    },
  };
}
