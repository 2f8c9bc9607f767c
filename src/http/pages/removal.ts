import type { FastifyInstance } from 'fastify';
import { h } from 'preact';
import { type AuthenticatorSummary, type Core, TwofoldError } from '../../core/index.js';
import { ConfirmRemovalPage } from '../views/confirm-removal-page.js';
import { askToAuthenticateAgain, checkSessionCsrf, clientOf, requireSignedIn } from './page-session.js';
import { sendPage, viewerOf } from './respond.js';

type ById = { Params: { id: string } };

const confirmPath = (id: string) => `/account/authenticators/${encodeURIComponent(id)}/remove`;

/**
 * "Remove" (seed 000): a confirmation page, then the removal. Both need a recent
 * authentication; removing ends no session, and the device's codes stop working at once.
 */
export async function removalRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  app.get<ById>('/account/authenticators/:id/remove', async (request, reply) => {
    const session = await requireSignedIn(core, request, reply);
    if (!session) return reply;
    try {
      await core.authenticators.assertMayChangeFactors(session);
    } catch (error) {
      return askToAuthenticateAgain(reply, error, confirmPath(request.params.id));
    }
    const devices = await core.authenticators.list(session.user);
    const authenticator = devices.find((device) => device.id === request.params.id);
    if (!authenticator) throw new TwofoldError('not_found', 'No such device on your account.');
    return sendPage(
      reply,
      h(ConfirmRemovalPage, { viewer: viewerOf(session), authenticator, remaining: devices.length - 1 }),
    );
  });

  app.post<ById>('/account/authenticators/:id/remove', async (request, reply) => {
    const session = await requireSignedIn(core, request, reply);
    if (!session) return reply;
    checkSessionCsrf(request, session);
    let removed: AuthenticatorSummary;
    try {
      removed = await core.authenticators.remove(session, request.params.id, { ip: clientOf(request).ip });
    } catch (error) {
      return askToAuthenticateAgain(reply, error, confirmPath(request.params.id));
    }
    await core.sessions.setFlash(
      session,
      `The device "${removed.name}" was removed. Its codes no longer work.`,
    );
    return reply.redirect('/account', 303);
  });
}
