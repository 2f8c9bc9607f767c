import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Core } from '../../core/index.js';
import type { PublicError } from '../error-handler.js';

/** The server-rendered pages (issue 3). */
export async function pageRoutes(_app: FastifyInstance, _options: { core: Core }): Promise<void> {}

/** An error as an HTML page, for browsers. */
export function sendHtmlError(reply: FastifyReply, error: PublicError): FastifyReply {
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  return reply.code(error.status).type('text/html; charset=utf-8').send(`<p>${error.message}</p>`);
}
