import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { type Core, TwofoldError } from '../core/index.js';
import { forwardAuthRoutes } from '../forward-auth/routes.js';
import { oidcRoutes } from '../oidc/routes.js';
import { apiRoutes } from './api/index.js';
import { sendJsonError, toPublicError, wantsHtml } from './error-handler.js';
import { healthRoutes } from './health.js';
import { lazySchemaCompilers } from './lazy-schema-compilers.js';
import { refuseNulCharacters } from './nul-characters.js';
import { pageRoutes, sendHtmlError } from './pages/index.js';
import { logsInfo, type RequestObserver, requestIdOf, requestTelemetry } from './request-telemetry.js';
import { securityHeaders } from './security-headers.js';
import { webauthnRoutes } from './webauthn/index.js';

export interface AppOptions {
  readonly core: Core;
  /** A pino logger, or false for none (tests). */
  readonly logger?: FastifyBaseLogger | false;
  /** Largest request body accepted, in bytes. */
  readonly bodyLimit?: number;
  /**
   * The store's durability barrier (`OpenedDatabase.durable`): every answer waits for it, so
   * none is sent before the writes it reports — or read — are on disk.
   */
  readonly durable?: () => Promise<void> | undefined;
  /** Told every request's route, method, status and duration (src/metrics/). */
  readonly observeRequest?: RequestObserver;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Compiles the route schemas no request has needed yet (see lazy-schema-compilers.ts): for tests. */
    compilePendingSchemas(): Promise<void>;
  }
}

/** Builds the whole HTTP application on a Core. Nothing listens until the caller says so. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { core } = options;
  const { buildValidator, buildSerializer, compileRest } = lazySchemaCompilers();
  const app = Fastify({
    // Fastify types these for its own ajv and fast-json-stringify builders, which ours wrap.
    schemaController: { compilersFactory: { buildValidator, buildSerializer } as never },
    // Fastify's ajv would silently drop a field a body schema does not list
    // (`additionalProperties: false`); it must be refused, with its name (api/schemas.ts).
    ajv: { customOptions: { removeAdditional: false } },
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    // Fastify's two lines per request are replaced by one (request-telemetry.ts); errors are logged.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestIdOf,
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    trustProxy: false,
    return503OnClosing: true,
  });

  app.decorate('compilePendingSchemas', compileRest);
  requestTelemetry(app, {
    observe: options.observeRequest,
    logRequests: options.logger ? logsInfo(options.logger.level) : false,
  });

  const durable = options.durable;
  if (durable) {
    app.addHook('onSend', (_request, _reply, payload, done) => {
      const pending = durable();
      if (!pending) return done(null, payload);
      pending.then(
        () => done(null, payload),
        () => done(new TwofoldError('unavailable', 'The database could not save the change. Try again.')),
      );
    });
  }

  securityHeaders(app, { https: core.settings.publicUrl.startsWith('https:') });
  await app.register(cookie);
  await app.register(formbody, { bodyLimit: options.bodyLimit ?? 64 * 1024 });

  app.setErrorHandler((error, request, reply) => {
    const publicError = toPublicError(error);
    if (publicError.status >= 500) request.log.error({ err: error }, 'request failed');
    return wantsHtml(request) ? sendHtmlError(reply, publicError) : sendJsonError(reply, publicError);
  });
  // Before any route's schema or handler, so every entry point refuses a NUL alike.
  app.addHook('preValidation', (request, _reply, done) => {
    refuseNulCharacters(request);
    done();
  });
  app.setNotFoundHandler((request, reply) => {
    const notFound = { status: 404, message: 'Not found.' };
    return wantsHtml(request) ? sendHtmlError(reply, notFound) : sendJsonError(reply, notFound);
  });

  await app.register(healthRoutes, { core });
  await app.register(pageRoutes, { core });
  await app.register(webauthnRoutes, { core });
  await app.register(apiRoutes, { core, prefix: '/api' });
  await app.register(oidcRoutes, { core });
  await app.register(forwardAuthRoutes, { core });
  return app;
}
