import type { FastifyInstance } from 'fastify';
import { h } from 'preact';
import { type Core, TwofoldError } from '../../core/index.js';
import { AccountPage, ApiTokenCreatedPage } from '../views/account-page.js';
import {
  askToAuthenticateAgain,
  checkSessionCsrf,
  clientOf,
  formField,
  requireSignedIn,
} from './page-session.js';
import { sendPage, viewerOf } from './respond.js';

/** The account page: who is signed in, their devices, backup codes, API tokens, their password. */
export async function accountRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  app.get('/account', async (request, reply) => {
    const session = await requireSignedIn(core, request, reply);
    if (!session) return reply;
    // One-shot notices ("your device is ready") are shown once, then cleared.
    const notice = session.row.flash;
    if (notice) await core.sessions.setFlash(session, null);
    const { user } = session;
    const linkedProviders = await core.externalSignIn.linkedProviders(user.id);
    const linked = new Set(linkedProviders.map((link) => link.slug));
    const linkableProviders = (await core.externalSignIn.offered()).filter((p) => !linked.has(p.slug));
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
        backupCodes: await core.backupCodes.status(user),
        apiTokens: await core.apiTokens.list(user),
        recentSignIns: await core.serviceAccess.recentSignIns(user, 5),
        linkedProviders,
        linkableProviders,
        notice,
      }),
    );
  });
}

/** Personal API tokens on the account page (issue 4): created (shown once) and revoked. */
export async function apiTokenPageRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  app.post('/account/api-tokens', async (request, reply) => {
    const session = await requireSignedIn(core, request, reply);
    if (!session) return reply;
    checkSessionCsrf(request, session);
    const name = formField(request, 'name');
    const days = formField(request, 'expiresInDays').trim();
    if (days !== '' && !/^\d{1,4}$/.test(days)) {
      throw new TwofoldError('invalid_input', 'Expires in (days): enter a whole number from 1 to 3650.', {
        field: 'expiresInDays',
      });
    }
    try {
      const created = await core.apiTokens.create(session, {
        name,
        expiresInDays: days === '' ? undefined : Number(days),
        ip: clientOf(request).ip,
      });
      return sendPage(
        reply,
        h(ApiTokenCreatedPage, {
          viewer: viewerOf(session),
          name: created.apiToken.name,
          token: created.token,
        }),
        201,
      );
    } catch (error) {
      if (error instanceof TwofoldError && error.code === 'invalid_input') throw error;
      return askToAuthenticateAgain(reply, error, '/account');
    }
  });

  app.post<{ Params: { id: string } }>('/account/api-tokens/:id/revoke', async (request, reply) => {
    const session = await requireSignedIn(core, request, reply);
    if (!session) return reply;
    checkSessionCsrf(request, session);
    await core.apiTokens.revoke(session.user, request.params.id, { ip: clientOf(request).ip });
    await core.sessions.setFlash(session, 'The API token was revoked.');
    return reply.redirect('/account', 303);
  });
}
