import type { FastifyInstance } from 'fastify';
import { h } from 'preact';
import { type Core, isRecentlyAuthenticated, TwofoldError } from '../../core/index.js';
import { PasswordPage } from '../views/password-page.js';
import {
  askToAuthenticateAgain,
  checkSessionCsrf,
  clientOf,
  formField,
  requireSignedIn,
} from './page-session.js';
import { sendPage, viewerOf } from './respond.js';

const PAGE = '/account/password';

/** Changing one's password (current + new twice); core ends every other session. */
export async function passwordRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  app.get(PAGE, async (request, reply) => {
    const session = await requireSignedIn(core, request, reply);
    if (!session) return reply;
    // Asked before the form is filled in, not after: typed passwords are not carried across a login.
    const hasFactor = await core.authenticators.hasActiveFactor(session.user);
    if (!isRecentlyAuthenticated(session, hasFactor, core.clock)) {
      try {
        await core.authenticators.assertMayChangeFactors(session);
      } catch (error) {
        return askToAuthenticateAgain(reply, error, PAGE);
      }
    }
    return sendPage(reply, h(PasswordPage, { viewer: viewerOf(session) }));
  });

  app.post(PAGE, async (request, reply) => {
    const session = await requireSignedIn(core, request, reply);
    if (!session) return reply;
    checkSessionCsrf(request, session);
    try {
      await core.passwords.change(session, {
        currentPassword: formField(request, 'current_password'),
        newPassword: formField(request, 'new_password'),
        confirmation: formField(request, 'confirmation'),
        ip: clientOf(request).ip,
      });
    } catch (error) {
      if (error instanceof TwofoldError && error.code === 'invalid_input') {
        return sendPage(
          reply,
          h(PasswordPage, { viewer: viewerOf(session), error: error.message }),
          error.status,
        );
      }
      return askToAuthenticateAgain(reply, error, PAGE);
    }
    await core.sessions.setFlash(
      session,
      'Your password has been changed. All your other sessions have been logged out.',
    );
    return reply.redirect('/account', 303);
  });
}
