import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/index.js';
import { webauthnPageRoutes } from './pages.js';
import { webauthnAssets } from './static/assets.js';

export { webauthnApiRoutes } from './api.js';
export { SECURITY_KEY_PATHS } from './pages.js';

/**
 * Security keys and passkeys in the browser (issue 6): the pages, their JSON ceremony calls and
 * their two scripts. The JSON API half, `webauthnApiRoutes`, belongs inside /api/v1, where the
 * OpenAPI document is generated.
 */
export async function webauthnRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  for (const asset of Object.values(webauthnAssets)) {
    const etag = `"${asset.version}"`;
    app.get(asset.path, async (request, reply) => {
      const versioned = (request.query as { v?: unknown }).v === asset.version;
      reply
        .header('cache-control', versioned ? 'public, max-age=31536000, immutable' : 'no-cache')
        .header('etag', etag)
        .type('text/javascript; charset=utf-8');
      if (request.headers['if-none-match'] === etag) return reply.code(304).send();
      return reply.send(asset.body);
    });
  }
  await app.register(webauthnPageRoutes, { core });
}
