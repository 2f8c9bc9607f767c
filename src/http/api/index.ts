import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/index.js';

/** The JSON API under /api (issue 4). */
export async function apiRoutes(_app: FastifyInstance, _options: { core: Core }): Promise<void> {}
