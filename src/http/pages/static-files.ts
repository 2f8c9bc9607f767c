import type { FastifyInstance } from 'fastify';
import { type StaticAsset, staticAssets } from '../static/assets.js';

/**
 * The stylesheets and the one small script, from memory. Pages link them with `?v=<hash>`, so
 * a versioned request may be cached for a year; any other is revalidated by ETag.
 */
export async function staticRoutes(app: FastifyInstance): Promise<void> {
  for (const asset of Object.values(staticAssets) as StaticAsset[]) {
    const etag = `"${asset.version}"`;
    app.get(asset.path, async (request, reply) => {
      const versioned = (request.query as { v?: unknown }).v === asset.version;
      reply
        .header('cache-control', versioned ? 'public, max-age=31536000, immutable' : 'no-cache')
        .header('etag', etag)
        .type(asset.contentType);
      if (request.headers['if-none-match'] === etag) return reply.code(304).send();
      return reply.send(asset.body);
    });
  }
}
