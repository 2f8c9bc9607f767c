import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

/**
 * Told about every answered request: the route's pattern (`/api/v1/admin/users/:id`, never the
 * URL with its ids and tokens; `unmatched` for a 404 outside any route), the method, the status
 * and the time from the request's arrival to the answer's end, in seconds.
 */
export type RequestObserver = (route: string, method: string, status: number, seconds: number) => void;

/** What an `X-Request-Id` from a proxy must look like to be kept: a short token, nothing to escape. */
const INCOMING_REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/**
 * The request's id (Fastify's `genReqId`): the caller's `X-Request-Id` when it is a sane token,
 * so a proxy's id follows the request into our log; else a new random UUID, unique across
 * instances (Fastify's own counter starts again at every start and on every instance).
 */
export function requestIdOf(request: IncomingMessage): string {
  const incoming = request.headers['x-request-id'];
  return typeof incoming === 'string' && INCOMING_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** Fastify's `routeOptions.url` for a request no route matched. */
const UNMATCHED = 'unmatched';

/** Health checks come every few seconds from a load balancer: counted, but not a log line each. */
const UNLOGGED_ROUTES: ReadonlySet<string> = new Set(['/healthz']);

/**
 * Every answer carries `X-Request-Id`, and each request ends with one log line — its id (`reqId`,
 * bound by Fastify), method, route, status and duration — and, when observed, its duration by
 * route. The header is set on the raw response, so answers that bypass Fastify's reply (the
 * OpenID Connect provider's) carry it too.
 */
export function requestTelemetry(
  app: FastifyInstance,
  options: { readonly observe?: RequestObserver | undefined; readonly logRequests: boolean },
): void {
  const { observe, logRequests } = options;
  app.addHook('onRequest', (request, reply, done) => {
    reply.raw.setHeader('x-request-id', request.id);
    done();
  });
  if (!observe && !logRequests) return;
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? UNMATCHED;
    const ms = reply.elapsedTime;
    const status = reply.statusCode;
    observe?.(route, request.method, status, ms / 1000);
    if (logRequests && !UNLOGGED_ROUTES.has(route)) {
      request.log.info(
        { method: request.method, route, status, durationMs: Math.round(ms * 100) / 100 },
        'request',
      );
    }
    done();
  });
}

/** Whether a pino level lets info lines through. */
export const logsInfo = (level: string): boolean =>
  level === 'info' || level === 'debug' || level === 'trace';
