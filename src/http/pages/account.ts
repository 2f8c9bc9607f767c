import type { FastifyInstance } from 'fastify';
import { h } from 'preact';
import type { Core } from '../../core/index.js';
import { AccountPage } from '../views/account-page.js';
import { requireSignedIn } from './page-session.js';
import { sendPage, viewerOf } from './respond.js';

/** The account page: who is signed in, their devices, their password. */
export async function accountRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  app.get('/account', async (request, reply) => {
    const session = await requireSignedIn(core, request, reply);
    if (!session) return reply;
    // One-shot notices ("your device is ready") are shown once, then cleared.
    const notice = session.row.flash;
    if (notice) await core.sessions.setFlash(session, null);
    const { user } = session;
    return sendPage(
      reply,
      h(AccountPage, {
        viewer: viewerOf(session),
        user: {
          username: user.username,
          email: user.email,
          firstName: user.first_name,
          lastName: user.last_name,
        },
        authenticators: await core.authenticators.list(user),
        notice,
      }),
    );
  });
}
