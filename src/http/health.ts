import type { FastifyInstance } from 'fastify';
import type { Core } from '../core/index.js';
import { isDatabaseReachable } from '../store/index.js';

/** `GET /healthz`: 200 only when the database answers, so a load balancer drops a cut-off instance. */
export async function healthRoutes(app: FastifyInstance, options: { core: Core }): Promise<void> {
  app.get('/healthz', async (_request, reply) => {
    if (await isDatabaseReachable(options.core.store.db)) return { status: 'ok' };
    return reply.code(503).send({ status: 'unavailable' });
  });
}
