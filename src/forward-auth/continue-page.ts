import type { FastifyInstance } from 'fastify';
import { h } from 'preact';
import { type Core, TwofoldError } from '../core/index.js';
import { currentSession, loginUrl, queryField, setSessionCookie } from '../http/pages/page-session.js';
import { sendPage, viewerOf } from '../http/pages/respond.js';
import { ContinuePage, FactorNeededPage } from '../http/views/service-pages.js';
import { CONTINUE_PATH } from './routes.js';

/**
 * Where forward-auth sends a browser that must sign in: `/authz/continue?rd=<the site's URL>`.
 * It sends the person through Twofold's login — the password, then the code only when the
 * site's policy asks for it — and back to `rd`, which must be on a registered site: a link
 * cannot make Twofold redirect anywhere else.
 */
export async function continuePageRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  app.get(CONTINUE_PATH, async (request, reply) => {
    const rd = queryField(request, 'rd');
    const site = rd ? await core.protectedSites.match(rd) : undefined;
    if (!site) {
      throw new TwofoldError(
        'invalid_input',
        'This link does not lead back to a site registered with Twofold, so Twofold will not send you there. Go to the site you wanted and sign in from it.',
      );
    }
    const here = `${CONTINUE_PATH}?${new URLSearchParams({ rd })}`;
    const session = await currentSession(core, request);
    // A password step an external provider made waits for its Twofold code on the login page.
    if (
      session?.row.kind !== 'browser' ||
      (session.row.external_sign_in !== null && session.row.stage === 'password')
    ) {
      return reply.redirect(loginUrl({ next: here }), 303);
    }
    if (session.row.stage === 'enrollment' || session.row.stage === 'setup') {
      return reply.redirect('/setup/enroll', 303);
    }
    const decision = await core.serviceAccess.decide(session, site.client_id, []);
    switch (decision.outcome) {
      case 'ok': {
        // The password alone was enough for this site: keep it past the five minutes a password
        // step waits for its code, as a session for services only, never for Twofold's own pages.
        if (session.row.stage === 'password') {
          setSessionCookie(reply, core, await core.sessions.rotate(session, { stage: 'services' }));
        }
        await core.serviceAccess.recordSignIn(session.user.id, {
          clientId: site.client_id,
          amr: decision.amr,
          acr: decision.acr,
          ip: request.ip,
        });
        // A page, not a redirect: the login form's `form-action 'self'` covers its redirects.
        return sendPage(reply, h(ContinuePage, { serviceName: site.name, url: rd }));
      }
      case 'login':
        return reply.redirect(loginUrl({ next: here }), 303);
      case 'second_factor':
        if (session.row.stage === 'services') {
          // Back to a password step, so the login page asks for the code alone.
          setSessionCookie(reply, core, await core.sessions.rotate(session, { stage: 'password' }));
          return reply.redirect(loginUrl({ next: here }), 303);
        }
        if (session.row.stage === 'password') return reply.redirect(loginUrl({ next: here }), 303);
        return reply.redirect(`/account/verify?${new URLSearchParams({ next: here })}`, 303);
      case 'enroll':
        return sendPage(
          reply,
          h(FactorNeededPage, {
            viewer: session.row.stage === 'full' ? viewerOf(session) : undefined,
            serviceName: site.name,
            securityKey: decision.required === 'phishing_resistant',
          }),
          403,
        );
    }
  });
}
