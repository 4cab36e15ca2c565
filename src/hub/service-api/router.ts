/**
 * A small path router: literal segments match case-insensitively (IoT Hub's paths do), `{name}` segments capture one
 * percent-decoded segment. Several routes may share a path (e.g. `POST /devices/query` and `GET /devices/{id}`):
 * the first route whose path and method both match wins; a path matched only under other methods is a 405.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, badRequest } from './http.js';

export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
}

export type Handler = (ctx: RequestContext) => Promise<void>;

export interface Route {
  readonly method: string;
  /** e.g. `/twins/{id}/methods` */
  readonly path: string;
  readonly handler: Handler;
}

interface Compiled extends Route {
  readonly segments: readonly ({ literal: string } | { param: string })[];
}

export type RouteMatch =
  | { kind: 'found'; handler: Handler; params: Record<string, string>; path: string }
  | { kind: 'method-not-allowed'; allowed: string[] }
  | { kind: 'not-found' };

export class Router {
  private readonly routes: Compiled[] = [];

  add(method: string, path: string, handler: Handler): this {
    const segments = path
      .split('/')
      .filter((s) => s !== '')
      .map((s) => (s.startsWith('{') && s.endsWith('}') ? { param: s.slice(1, -1) } : { literal: s.toLowerCase() }));
    this.routes.push({ method: method.toUpperCase(), path, handler, segments });
    return this;
  }

  /** Match a request path (no query string). 400004 for a segment that does not percent-decode. */
  match(method: string, pathname: string): RouteMatch {
    const raw = pathname.split('/').filter((s) => s !== '');
    const allowed: string[] = [];
    for (const r of this.routes) {
      const params = matchSegments(r.segments, raw);
      if (params === undefined) continue;
      if (r.method !== method.toUpperCase()) {
        if (!allowed.includes(r.method)) allowed.push(r.method);
        continue;
      }
      return { kind: 'found', handler: r.handler, params, path: r.path };
    }
    return allowed.length > 0 ? { kind: 'method-not-allowed', allowed } : { kind: 'not-found' };
  }
}

function matchSegments(segments: Compiled['segments'], raw: readonly string[]): Record<string, string> | undefined {
  if (segments.length !== raw.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i] as Compiled['segments'][number];
    const value = raw[i] as string;
    if ('literal' in seg) {
      if (value.toLowerCase() !== seg.literal) return undefined;
    } else {
      try {
        params[seg.param] = decodeURIComponent(value);
      } catch {
        throw badRequest(`Path segment ${JSON.stringify(value)} is not valid percent-encoding`);
      }
    }
  }
  return params;
}

export const notFoundPath = (method: string, path: string): ApiError =>
  new ApiError(404000, 'NotFound', `No service API resource at ${method} ${path} (fleetsim code 404000)`);

export const methodNotAllowed = (method: string, path: string, allowed: readonly string[]): ApiError =>
  new ApiError(405000, 'MethodNotAllowed', `${method} is not allowed on ${path}; allowed: ${allowed.join(', ')} (fleetsim code 405000)`);
