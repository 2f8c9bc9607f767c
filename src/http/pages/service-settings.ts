import type { FastifyInstance } from 'fastify';
import { h } from 'preact';
import type { Core } from '../../core/index.js';
import { MfaActivatedPage, ServiceSettingsPage } from '../views/service-settings-page.js';
import {
  askToAuthenticateAgain,
  checkSessionCsrf,
  clientOf,
  formField,
  requireSignedIn,
} from './page-session.js';
import { sendPage, viewerOf } from './respond.js';

/**
 * Seed 004's Service Settings: which services ask this person for a second factor (where the
 * service's policy lets them choose), their last sign-in to each, and revoking a service's access.
 */
export async function serviceSettingsRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  app.get('/account/mfa-activated', async (request, reply) => {
    const session = await requireSignedIn(core, request, reply);
    if (!session) return reply;
    return sendPage(reply, h(MfaActivatedPage, { viewer: viewerOf(session) }));
  });

  app.get('/account/services', async (request, reply) => {
    const session = await requireSignedIn(core, request, reply);
    if (!session) return reply;
    const notice = session.row.flash;
    if (notice) await core.sessions.setFlash(session, null);
    const [settings, recent] = await Promise.all([
      core.serviceAccess.settings(session.user),
      core.serviceAccess.recentSignIns(session.user),
    ]);
    return sendPage(reply, h(ServiceSettingsPage, { viewer: viewerOf(session), settings, recent, notice }));
  });

  app.post('/account/services/:serviceId/mfa', async (request, reply) => {
    const session = await requireSignedIn(core, request, reply);
    if (!session) return reply;
    checkSessionCsrf(request, session);
    const { serviceId } = request.params as { serviceId: string };
    const on = formField(request, 'mfa') === 'on';
    let name: string;
    try {
      ({ name } = await core.serviceAccess.setMfa(session, serviceId, on, clientOf(request).ip));
    } catch (error) {
      // A sensitive action: a login that is not recent, or no fresh code, proves it first.
      return askToAuthenticateAgain(reply, error, '/account/services');
    }
    await core.sessions.setFlash(
      session,
      on
        ? `${name} now asks for multi-factor authentication.`
        : `${name} no longer asks for a second factor: your password is enough there.`,
    );
    return reply.redirect('/account/services', 303);
  });

  app.post('/account/services/:serviceId/revoke', async (request, reply) => {
    const session = await requireSignedIn(core, request, reply);
    if (!session) return reply;
    checkSessionCsrf(request, session);
    const { serviceId } = request.params as { serviceId: string };
    await core.serviceAccess.revoke(session.user, serviceId, clientOf(request).ip);
    await core.sessions.setFlash(session, 'Access revoked: the service must ask you to sign in again.');
    return reply.redirect('/account/services', 303);
  });
}
