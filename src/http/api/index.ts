import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/index.js';
import { apiAnswerHeaders } from '../security-headers.js';
import { webauthnApiRoutes } from '../webauthn/index.js';
import { adminApiRoutes } from './admin.js';
import { adminIdentityProviderRoutes } from './admin-identity-providers.js';
import { adminServiceRoutes } from './admin-services.js';
import { apiTokenRoutes } from './api-tokens.js';
import { authenticatorRoutes } from './authenticators.js';
import { backupCodeRoutes } from './backup-codes.js';
import { loginRoutes } from './login.js';
import { meRoutes } from './me.js';
import { validateRoutes } from './validate.js';

/**
 * The JSON API (issue 4), registered at /api: the v1 features under /api/v1, the OpenAPI 3.1
 * document generated from their schemas at /api/openapi.json, and a browsable reference at
 * /api/docs. Errors go to the app's one error handler, which answers with the envelope.
 */
export async function apiRoutes(app: FastifyInstance, options: { core: Core }): Promise<void> {
  const { core } = options;
  // Registered in this scope, @fastify/swagger sees only the API's routes, not the pages.
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Twofold API',
        version: '1',
        description:
          'Everything the account pages do, as JSON. Log in with POST /api/v1/login and send the token as ' +
          '`Authorization: Bearer <token>`, or use a personal API token. Every error is ' +
          '`{"error":{"message","code","identity":null,"title"}}`.',
      },
      servers: [{ url: core.settings.publicUrl }],
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description: 'A login token from POST /api/v1/login, or a personal API token (tf_pat_…).',
          },
          basicAuth: {
            type: 'http',
            scheme: 'basic',
            description:
              'The client id and secret of a service of kind `application` (POST /api/v1/validate).',
          },
        },
      },
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // The UI's asset links must carry the /api this plugin is mounted under.
    indexPrefix: '/api',
    // The app's strict CSP stays, but Swagger UI sets one inline style; allowed on these
    // pages only, which show nothing but our own document.
    transformStaticCSP: (header) => header.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"),
  });

  app.decorateRequest('apiPrincipal', null);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(
    async (v1) => {
      apiAnswerHeaders(v1);
      await v1.register(loginRoutes, { core });
      await v1.register(meRoutes, { core });
      await v1.register(authenticatorRoutes, { core });
      await v1.register(apiTokenRoutes, { core });
      await v1.register(adminApiRoutes, { core });
      await v1.register(adminServiceRoutes, { core });
      await v1.register(adminIdentityProviderRoutes, { core });
      await v1.register(backupCodeRoutes, { core });
      await v1.register(webauthnApiRoutes, { core });
      await v1.register(validateRoutes, { core });
    },
    { prefix: '/v1' },
  );
}
