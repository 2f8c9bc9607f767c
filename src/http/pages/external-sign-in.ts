import type { FastifyInstance, FastifyReply } from 'fastify';
import { h } from 'preact';
import type { Core } from '../../core/index.js';
import { ProviderRedirectPage } from '../views/provider-redirect-page.js';
import {
  askToAuthenticateAgain,
  checkSessionCsrf,
  clientOf,
  currentSession,
  isHttps,
  loginUrl,
  queryField,
  requireSignedIn,
  safeNextPath,
  setSessionCookie,
} from './page-session.js';
import { sendPage } from './respond.js';

/** Ties a sign-in sent to a provider to the browser that sent it (login CSRF, RFC 6749 §10.12). */
const BROWSER_COOKIE = 'twofold_idp';
const BROWSER_COOKIE_PATH = '/login/idp/';

type BySlug = { Params: { slug: string } };

/**
 * "Sign in with <provider>" (seed 003) and linking a provider to one's account: the browser goes
 * to the provider and comes back to `/login/idp/<slug>/callback`. What happens there is core's
 * `externalSignIn`; a refusal is an error page that says what happened, never a session.
 */
export async function externalSignInRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  app.get<BySlug>('/login/idp/:slug', async (request, reply) => {
    const next = safeNextPath(queryField(request, 'next'));
    const started = await core.externalSignIn.begin({ slug: request.params.slug, purpose: 'login', next });
    setBrowserCookie(reply, core, started.browserToken);
    return reply.redirect(started.url, 303);
  });

  app.get<BySlug>('/login/idp/:slug/callback', async (request, reply) => {
    const previous = await currentSession(core, request);
    const callbackUrl = new URL(request.url, core.settings.publicUrl);
    const result = await core.externalSignIn.finish({
      slug: request.params.slug,
      callbackUrl,
      browserToken: request.cookies[BROWSER_COOKIE],
      session: previous,
      ...clientOf(request),
    });
    reply.clearCookie(BROWSER_COOKIE, { path: BROWSER_COOKIE_PATH, httpOnly: true, secure: isHttps(core) });
    const next = safeNextPath(result.next) ?? undefined;
    if (result.outcome === 'linked') {
      if (previous) {
        await core.sessions.setFlash(previous, `Your account is now linked to ${result.providerName}.`);
      }
      return reply.redirect(next ?? '/account', 303);
    }
    // A new sign-in replaces whatever session this browser had: its id is never reused.
    if (previous) await core.sessions.end(previous);
    if (result.outcome === 'signed_in') {
      setSessionCookie(reply, core, result.session);
      return reply.redirect(next ?? '/account', 303);
    }
    setSessionCookie(reply, core, result.pending);
    // The login's code step asks for the Twofold factor, then goes on to `next`.
    return reply.redirect(loginUrl({ next }), 303);
  });

  app.post<BySlug>('/account/identity-providers/:slug/link', async (request, reply) => {
    const session = await requireSignedIn(core, request, reply);
    if (!session) return reply;
    checkSessionCsrf(request, session);
    const hasActiveFactor = (await core.store.authenticators.listActiveFactors(session.user.id)).length > 0;
    let started: Awaited<ReturnType<typeof core.externalSignIn.begin>>;
    try {
      started = await core.externalSignIn.begin({
        slug: request.params.slug,
        purpose: 'link',
        session,
        hasActiveFactor,
        next: '/account',
      });
    } catch (error) {
      return askToAuthenticateAgain(reply, error, '/account');
    }
    setBrowserCookie(reply, core, started.browserToken);
    return sendPage(reply, h(ProviderRedirectPage, { providerName: started.providerName, url: started.url }));
  });

  app.post<{ Params: { id: string } }>('/account/identity-providers/:id/unlink', async (request, reply) => {
    const session = await requireSignedIn(core, request, reply);
    if (!session) return reply;
    checkSessionCsrf(request, session);
    const hasActiveFactor = (await core.store.authenticators.listActiveFactors(session.user.id)).length > 0;
    const links = await core.externalSignIn.linkedProviders(session.user.id);
    const name = links.find((link) => link.providerId === request.params.id)?.name;
    try {
      await core.externalSignIn.unlink(session, request.params.id, hasActiveFactor, clientOf(request).ip);
    } catch (error) {
      return askToAuthenticateAgain(reply, error, '/account');
    }
    await core.sessions.setFlash(session, `${name ?? 'The provider'} is no longer linked to your account.`);
    return reply.redirect('/account', 303);
  });
}

function setBrowserCookie(reply: FastifyReply, core: Core, token: string): void {
  // Lax: the provider's redirect back is a top-level GET navigation from another site.
  reply.setCookie(BROWSER_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    path: BROWSER_COOKIE_PATH,
    secure: isHttps(core),
    maxAge: 600,
  });
}
