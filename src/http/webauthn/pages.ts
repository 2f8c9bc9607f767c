import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { h } from 'preact';
import { Type } from 'typebox';
import { type ActiveSession, type Core, countSignIn, TwofoldError } from '../../core/index.js';
import {
  askToAuthenticateAgain,
  checkLoginCsrf,
  checkSessionCsrf,
  clientOf,
  currentSession,
  loginCsrfToken,
  loginUrl,
  queryField,
  requireSignedIn,
  safeNextPath,
  setSessionCookie,
} from '../pages/page-session.js';
import { sendPage, viewerOf } from '../pages/respond.js';
import { signInPathOf } from '../pages/sign-in-path.js';
import {
  AuthenticationResponseSchema,
  asAuthenticationResponse,
  asRegistrationResponse,
  RegistrationResponseSchema,
} from './schemas.js';
import {
  PasskeyLoginPage,
  SecurityKeyLoginPage,
  SecurityKeySetupPage,
  SecurityKeyStepUpPage,
} from './views/security-key-pages.js';

/** Where the pages of this feature live; the account and login pages link here. */
export const SECURITY_KEY_PATHS = {
  setup: '/account/security-keys/new',
  login: '/login/security-key',
  passkey: '/login/passkey',
  stepUp: '/account/step-up/security-key',
} as const;

const Csrf = Type.String({ minLength: 1, maxLength: 200 });
const Next = Type.Optional(Type.String({ maxLength: 512 }));
const OptionsBody = Type.Object({ _csrf: Csrf });
const RegisterBody = Type.Object({
  _csrf: Csrf,
  name: Type.Optional(Type.String({ maxLength: 200 })),
  response: RegistrationResponseSchema,
});
const AssertBody = Type.Object({ _csrf: Csrf, next: Next, response: AuthenticationResponseSchema });

/**
 * The security-key pages (issue 6). Each page is a GET; the ceremony itself is two JSON calls
 * made by the page script, guarded by the same session and CSRF rules as the forms: the session
 * cookie says who, the CSRF token (in the JSON body) says the call comes from our page.
 */
export const webauthnPageRoutes: FastifyPluginAsyncTypebox<{ core: Core }> = async (app, { core }) => {
  // ---- Set up a security key (account page, sensitive: re-login and step-up rules) ----

  app.get(SECURITY_KEY_PATHS.setup, async (request, reply) => {
    const session = await requireSignedIn(core, request, reply);
    if (!session) return reply;
    try {
      await core.authenticators.assertMayChangeFactors(session);
    } catch (error) {
      return proveAgain(reply, session, error, SECURITY_KEY_PATHS.setup);
    }
    return sendPage(
      reply,
      h(SecurityKeySetupPage, { viewer: viewerOf(session), defaultName: 'Security key' }),
    );
  });

  app.post('/account/security-keys/options', { schema: { body: OptionsBody } }, async (request) => {
    const session = await signedInForJson(request);
    checkSessionCsrf(request, session);
    return { options: await core.webauthn.startRegistration(session, { ip: clientOf(request).ip }) };
  });

  app.post('/account/security-keys', { schema: { body: RegisterBody } }, async (request) => {
    const session = await signedInForJson(request);
    checkSessionCsrf(request, session);
    const { authenticator, firstFactor } = await core.webauthn.finishRegistration(session, {
      response: asRegistrationResponse(request.body.response),
      name: request.body.name,
      ip: clientOf(request).ip,
    });
    await core.sessions.setFlash(
      session,
      `Your security key "${authenticator.name}" is set up and ready to use.` +
        (authenticator.backupEligible
          ? ` It is a synced passkey${authenticator.backedUp ? ', backed up by your platform' : ''}.`
          : '') +
        (firstFactor
          ? ' Two-factor authentication is now on: after your password, you will be asked for your key.'
          : ''),
    );
    return { redirect: '/account' };
  });

  // ---- Login, second step: the key instead of a code ----

  app.get(SECURITY_KEY_PATHS.login, async (request, reply) => {
    const next = safeNextPath(queryField(request, 'next'));
    const pending = await currentSession(core, request);
    if (pending?.row.stage === 'full') return reply.redirect(next ?? '/account', 303);
    if (pending?.row.stage !== 'password') return reply.redirect(loginUrl({ next, notice: 'expired' }), 303);
    const totp = await core.store.authenticators.listActiveByUser(pending.user.id, 'totp');
    return sendPage(
      reply,
      h(SecurityKeyLoginPage, {
        csrfToken: pending.row.csrf_token,
        username: pending.user.username,
        next,
        hasTotp: totp.length > 0,
      }),
    );
  });

  app.post('/login/security-key/options', { schema: { body: OptionsBody } }, async (request) => {
    const pending = await pendingForJson(request);
    checkSessionCsrf(request, pending);
    return { options: await core.webauthn.startSecondFactor(pending.user) };
  });

  app.post('/login/security-key', { schema: { body: AssertBody } }, async (request, reply) => {
    const pending = await pendingForJson(request);
    checkSessionCsrf(request, pending);
    const session = await countSignIn(
      core.metrics,
      signInPathOf(safeNextPath(request.body.next)),
      core.webauthn.completeLogin(pending, asAuthenticationResponse(request.body.response), {
        ip: clientOf(request).ip,
      }),
    );
    setSessionCookie(reply, core, session);
    return { redirect: safeNextPath(request.body.next) ?? '/account' };
  });

  // ---- Sign in with a passkey: no password, no code ----

  app.get(SECURITY_KEY_PATHS.passkey, async (request, reply) => {
    const next = safeNextPath(queryField(request, 'next'));
    const session = await currentSession(core, request);
    if (session?.row.stage === 'full' && !next) return reply.redirect('/account', 303);
    return sendPage(reply, h(PasskeyLoginPage, { csrfToken: loginCsrfToken(core, request, reply), next }));
  });

  app.post('/login/passkey/options', { schema: { body: OptionsBody } }, async (request) => {
    checkLoginCsrf(request);
    return { options: await core.webauthn.startPasskeyLogin() };
  });

  app.post('/login/passkey', { schema: { body: AssertBody } }, async (request, reply) => {
    checkLoginCsrf(request);
    const previous = await currentSession(core, request);
    const { session } = await countSignIn(
      core.metrics,
      signInPathOf(safeNextPath(request.body.next)),
      core.webauthn.passkeyLogin(asAuthenticationResponse(request.body.response), {
        kind: 'browser',
        ...clientOf(request),
      }),
    );
    // A new login replaces whatever session this browser had: its id is never reused.
    if (previous) await core.sessions.end(previous);
    setSessionCookie(reply, core, session);
    return { redirect: safeNextPath(request.body.next) ?? '/account' };
  });

  // ---- Step-up with a key, before a sensitive action ----

  app.get(SECURITY_KEY_PATHS.stepUp, async (request, reply) => {
    const session = await requireSignedIn(core, request, reply);
    if (!session) return reply;
    const next = safeNextPath(queryField(request, 'next')) ?? '/account';
    return sendPage(reply, h(SecurityKeyStepUpPage, { viewer: viewerOf(session), next }));
  });

  app.post('/account/step-up/security-key/options', { schema: { body: OptionsBody } }, async (request) => {
    const session = await signedInForJson(request);
    checkSessionCsrf(request, session);
    return { options: await core.webauthn.startSecondFactor(session.user) };
  });

  app.post('/account/step-up/security-key', { schema: { body: AssertBody } }, async (request, reply) => {
    const session = await signedInForJson(request);
    checkSessionCsrf(request, session);
    const { rotated } = await core.webauthn.stepUp(session, asAuthenticationResponse(request.body.response), {
      ip: clientOf(request).ip,
    });
    // The privilege changed, so the session id did too: the old cookie no longer works.
    if (rotated) setSessionCookie(reply, core, rotated);
    return { redirect: safeNextPath(request.body.next) ?? '/account' };
  });

  /** The browser's signed-in session (an API token put in the cookie is none). */
  async function signedInForJson(request: FastifyRequest): Promise<ActiveSession> {
    const session = await currentSession(core, request);
    if (session?.row.stage !== 'full') {
      throw new TwofoldError('unauthenticated', 'Your session has ended. Please log in again.');
    }
    return session;
  }

  /** The browser's password step waiting for its second factor. */
  async function pendingForJson(request: FastifyRequest): Promise<ActiveSession> {
    const session = await currentSession(core, request);
    if (session?.row.stage !== 'password') {
      throw new TwofoldError('unauthenticated', 'Your login has expired. Please log in again.');
    }
    return session;
  }

  /**
   * A step-up goes to the key page when the user has keys (a person with only keys has no code
   * to type); everything else is the pages' own "log in again".
   */
  async function proveAgain(reply: FastifyReply, session: ActiveSession, error: unknown, next: string) {
    if (error instanceof TwofoldError && error.code === 'step_up_required') {
      const keys = await core.store.authenticators.listActiveByUser(session.user.id, 'webauthn');
      if (keys.length > 0) {
        return reply.redirect(`${SECURITY_KEY_PATHS.stepUp}?${new URLSearchParams({ next })}`, 303);
      }
    }
    return askToAuthenticateAgain(reply, error, next);
  }
};
