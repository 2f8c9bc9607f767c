import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/index.js';
import { adminAuditRoutes } from './admin-audit.js';
import { adminIdentityProviderRoutes } from './admin-identity-providers.js';
import { adminServiceRoutes } from './admin-services.js';
import { requireAdmin } from './admin-session.js';
import { adminUserRoutes } from './admin-users.js';

/** The administration pages: users, services, identity providers and the audit log. Non-administrators get 403. */
export async function adminPageRoutes(app: FastifyInstance, options: { core: Core }): Promise<void> {
  app.get('/admin', async (request, reply) => {
    const session = await requireAdmin(options.core, request, reply);
    if (!session) return reply;
    return reply.redirect('/admin/users', 303);
  });
  await app.register(adminUserRoutes, options);
  await app.register(adminServiceRoutes, options);
  await app.register(adminIdentityProviderRoutes, options);
  await app.register(adminAuditRoutes, options);
}
