/**
 * HTTP plumbing of the service API: the error type every handler throws, bounded body reading, JSON responses.
 * Errors go out as `{ errorCode, message }` with the HTTP status taken from the 6-digit code (its first three
 * digits) and the code's name in the `iothub-errorcode` header, as IoT Hub sets it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { IotHubError } from '../iothub/errors.js';

/** IoT Hub's request body limit for the service REST API (the D2C/twin limit is the same order; reference §5.2). */
export const MAX_BODY_BYTES = 256 * 1024;
/** Past this many discarded bytes of an over-limit body the socket is cut instead of drained. */
const MAX_DRAIN_BYTES = 8 * 1024 * 1024;

/**
 * A failure with an HTTP status derived from its code. Codes not in IoT Hub's table are fleetsim's own and say so
 * in their name (404000 NotFound for an unknown path, 405000 MethodNotAllowed).
 */
export class ApiError extends Error {
  constructor(
    readonly errorCode: number,
    readonly errorName: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get status(): number {
    return Math.floor(this.errorCode / 1000);
  }
}

export const badRequest = (message: string): ApiError => new ApiError(400004, 'ArgumentInvalid', message);
export const badJson = (message: string): ApiError => new ApiError(400006, 'IotHubFormatError', message);

/** Any thrown value as an ApiError (IotHubError keeps its code; anything else is a 500001). */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof IotHubError) return new ApiError(err.errorCode, err.errorName, err.message);
  return new ApiError(500001, 'ServerError', err instanceof Error ? err.message : String(err));
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

export function sendNoContent(res: ServerResponse, headers: Record<string, string> = {}): void {
  res.writeHead(204, headers);
  res.end();
}

export function sendError(res: ServerResponse, err: ApiError): void {
  sendJson(res, err.status, { errorCode: err.errorCode, message: err.message }, { 'iothub-errorcode': err.errorName });
}

/**
 * Read the whole body, at most `limit` bytes (413001 beyond: the rest is drained and discarded so the client still
 * reads the answer, up to a cap past which the socket is cut).
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = () => new ApiError(413001, 'MessageTooLarge', `Request body is over the ${limit}-byte limit`);
    const declared = Number(req.headers['content-length']);
    const chunks: Buffer[] = [];
    let size = 0;
    let over = Number.isFinite(declared) && declared > limit;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (over || size > limit) {
        over = true;
        chunks.length = 0;
        if (size > MAX_DRAIN_BYTES) req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => (over ? reject(tooLarge()) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(over ? tooLarge() : new Error('request aborted'));
    });
  });
}

/** True when the request says its body is JSON (`application/json`, any parameters). */
export function isJsonContentType(req: IncomingMessage): boolean {
  const ct = req.headers['content-type'];
  return typeof ct === 'string' && /^application\/json\s*(;|$)/i.test(ct.trim());
}

/** Read and parse a JSON body: 400004 when the Content-Type is not JSON, 400006 when the body does not parse. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  if (!isJsonContentType(req)) throw badRequest(`Content-Type must be application/json, got ${JSON.stringify(req.headers['content-type'] ?? '')}`);
  const body = await readBody(req);
  const text = body.toString('utf8');
  if (text.trim() === '') throw badJson('Request body is empty; a JSON document is required');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw badJson(`Request body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** A single-valued request header (the first when repeated). */
export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** `"etag"` as an ETag header value. */
export function etagHeader(etag: string): Record<string, string> {
  return { etag: `"${etag}"` };
}
