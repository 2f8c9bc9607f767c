import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Core } from '../core/index.js';
import { sendJsonError, toPublicError } from './error-handler.js';
import { healthRoutes } from './health.js';

export interface AppOptions {
  readonly core: Core;
  /** A pino logger, or false for none (tests). */
  readonly logger?: FastifyBaseLogger | false;
  /** Largest request body accepted, in bytes. */
  readonly bodyLimit?: number;
}

/** Builds the whole HTTP application on a Core. Nothing listens until the caller says so. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    // One line per request would dominate the logs and the hot path; errors are logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    trustProxy: false,
    return503OnClosing: true,
  });

  app.setErrorHandler((error, request, reply) => {
    const publicError = toPublicError(error);
    if (publicError.status >= 500) request.log.error({ err: error }, 'request failed');
    return sendJsonError(reply, publicError);
  });
  app.setNotFoundHandler((_request, reply) => sendJsonError(reply, { status: 404, message: 'Not found.' }));

  await app.register(healthRoutes, { core: options.core });
  return app;
}
