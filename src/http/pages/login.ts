import type { FastifyInstance, FastifyReply } from 'fastify';
import { h } from 'preact';
import {
  type ActiveSession,
  type Core,
  countSignIn,
  type LoginResult,
  loginResultOf,
  TwofoldError,
} from '../../core/index.js';
import { CONTINUE_PATH } from '../../forward-auth/routes.js';
import { INTERACTION_PREFIX } from '../../oidc/paths.js';
import { CodeStepPage, LoginPage } from '../views/login-page.js';
import {
  checkLoginCsrf,
  checkSessionCsrf,
  clearSessionCookie,
  clientOf,
  currentSession,
  formField,
  LOGIN_NOTICES,
  type LoginNotice,
  loginCsrfToken,
  loginUrl,
  queryField,
  safeNextPath,
  setSessionCookie,
} from './page-session.js';
import { sendPage } from './respond.js';
import { signInPathOf } from './sign-in-path.js';

const CODE_WAS_WRONG = 'The one-time code was not valid. Enter the current code from your device.';

/**
 * Logging in and out (seed 001): password with the code appended, or password first and the
 * code in a second step; "Log out" from every page. The rules are core's `signIn`.
 */
export async function loginRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  app.get('/', async (request, reply) => {
    const session = await currentSession(core, request);
    return reply.redirect(session?.row.stage === 'full' ? '/account' : '/login', 303);
  });

  app.get('/login', async (request, reply) => {
    const next = safeNextPath(queryField(request, 'next'));
    const noticeKey = queryField(request, 'notice');
    const notice = Object.hasOwn(LOGIN_NOTICES, noticeKey)
      ? LOGIN_NOTICES[noticeKey as LoginNotice]
      : undefined;
    const session = await currentSession(core, request);
    if (session?.row.stage === 'password') {
      // One-shot: the reason the code step came back (a wrong code typed after the password).
      if (session.row.flash) await core.sessions.setFlash(session, null);
      return sendCodeStep(core, reply, session, { next, error: session.row.flash });
    }
    // Signed in and not sent here to prove it again: nothing to do on this page.
    if (session?.row.stage === 'full' && !next) return reply.redirect('/account', 303);
    return sendPage(
      reply,
      h(LoginPage, {
        csrfToken: loginCsrfToken(core, request, reply),
        next,
        // Seed 000's "log in again": the person is known, only the proof is old.
        username: session?.row.stage === 'full' ? session.user.username : undefined,
        notice,
        providers: await core.externalSignIn.offered(),
      }),
    );
  });

  app.post('/login', async (request, reply) => {
    checkLoginCsrf(request);
    const next = safeNextPath(formField(request, 'next'));
    const username = formField(request, 'username');
    const previous = await currentSession(core, request);
    let result: LoginResult;
    try {
      result = await countSignIn(
        core.metrics,
        signInPathOf(next),
        core.signIn.login({
          login: username,
          password: formField(request, 'password'),
          otp: formField(request, 'otp') || undefined,
          kind: 'browser',
          ...clientOf(request),
        }),
        loginResultOf,
      );
    } catch (error) {
      if (!(error instanceof TwofoldError)) throw error;
      // Wrong password, unknown user, throttled: the form comes back with the reason.
      setRetryAfter(reply, error);
      return sendPage(
        reply,
        h(LoginPage, {
          csrfToken: loginCsrfToken(core, request, reply),
          next,
          username,
          error: error.message,
          providers: await core.externalSignIn.offered(),
        }),
        error.status,
      );
    }
    // A new login replaces whatever session this browser had: its id is never reused.
    if (previous) await core.sessions.end(previous);
    if (result.outcome === 'signed_in') {
      setSessionCookie(reply, core, result.session);
      // A required factor not yet enrolled: this login may only enroll it (issue 7).
      if (result.session.stage === 'enrollment') return reply.redirect('/setup/enroll', 303);
      return reply.redirect(next ?? '/account', 303);
    }
    if (!result.pending) throw new TypeError('A browser login must get a pending session');
    setSessionCookie(reply, core, result.pending);
    // A service's sign-in decides for itself whether the password is enough (src/oidc/).
    if (
      (next?.startsWith(INTERACTION_PREFIX) || next?.startsWith(`${CONTINUE_PATH}?`)) &&
      !result.codeWasWrong
    ) {
      return reply.redirect(next, 303);
    }
    if (result.codeWasWrong) {
      const pending = await core.sessions.resolve(result.pending.token);
      if (pending) await core.sessions.setFlash(pending, CODE_WAS_WRONG);
    }
    return reply.redirect(loginUrl({ next }), 303);
  });

  app.post('/login/code', async (request, reply) => {
    const next = safeNextPath(formField(request, 'next'));
    const pending = await currentSession(core, request);
    if (pending?.row.stage !== 'password') {
      // Five minutes passed, or the login was finished in another tab: start again.
      if (pending?.row.stage === 'full') return reply.redirect(next ?? '/account', 303);
      return reply.redirect(loginUrl({ next, notice: 'expired' }), 303);
    }
    checkSessionCsrf(request, pending);
    try {
      const session = await countSignIn(
        core.metrics,
        signInPathOf(next),
        core.signIn.completeSecondFactor(pending, formField(request, 'otp'), request.ip),
      );
      setSessionCookie(reply, core, session);
      return reply.redirect(next ?? '/account', 303);
    } catch (error) {
      if (!(error instanceof TwofoldError)) throw error;
      if (error.code === 'unauthenticated') return reply.redirect(loginUrl({ next, notice: 'expired' }), 303);
      setRetryAfter(reply, error);
      return sendCodeStep(core, reply, pending, { next, error: error.message }, error.status);
    }
  });

  app.post('/logout', async (request, reply) => {
    const session = await currentSession(core, request);
    if (session) {
      checkSessionCsrf(request, session);
      await core.signIn.logout(session, { ip: request.ip });
    }
    clearSessionCookie(reply, core);
    return reply.redirect(loginUrl({ notice: 'logged_out' }), 303);
  });
}

async function sendCodeStep(
  core: Core,
  reply: FastifyReply,
  pending: ActiveSession,
  props: { next: string | undefined; error?: string | null | undefined },
  status = 200,
) {
  const hasSecurityKey =
    (await core.store.authenticators.listActiveByUser(pending.user.id, 'webauthn')).length > 0;
  return sendPage(
    reply,
    h(CodeStepPage, {
      csrfToken: pending.row.csrf_token,
      username: pending.user.username,
      hasSecurityKey,
      ...props,
    }),
    status,
  );
}

function setRetryAfter(reply: FastifyReply, error: TwofoldError): void {
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
}
