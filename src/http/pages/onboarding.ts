import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { h } from 'preact';
import { type ActiveSession, type Core, isMfaRequired, TwofoldError } from '../../core/index.js';
import { qrCodeSvg } from '../qr-code.js';
import { OnboardingOtpPage } from '../views/onboarding-otp-page.js';
import {
  AdminSetupPage,
  SetupLandingPage,
  SetupPasswordPage,
  SetupVerifyPage,
} from '../views/onboarding-pages.js';
import {
  checkLoginCsrf,
  checkSessionCsrf,
  clientOf,
  currentSession,
  formField,
  loginCsrfToken,
  loginUrl,
  setSessionCookie,
} from './page-session.js';
import { sendPage, viewerOf } from './respond.js';

/** What the QR code must be for a phone camera and for zbarimg reading a screenshot. */
/** Where a session that must enroll (or is setting up its account) is sent; it dispatches to the next step. */
export const ENROLL_PATH = '/setup/enroll';

type ByToken = { Params: { token: string } };
type ById = { Params: { id: string } };

/**
 * Onboarding (seed 003, issue 7): the password-setup link ("Click here to continue", the mobile
 * authenticator when OTP is required, the password, then the backup codes of /account/backup-codes
 * and logged in), the
 * first administrator's start-up link, and the enrollment a required factor forces at login.
 * The rules are core's `onboarding` and `totp`; these pages only order the steps.
 */
export async function onboardingRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  // ---- The e-mailed link ----

  app.get<ByToken>('/setup/:token', async (request, reply) => {
    // Looking does not use the link up: mail scanners follow links; only the button does.
    const { user, mfaRequired } = await core.onboarding.inspect(request.params.token);
    return sendPage(
      reply,
      h(SetupLandingPage, {
        csrfToken: loginCsrfToken(core, request, reply),
        action: `/setup/${encodeURIComponent(request.params.token)}`,
        username: user.username,
        mfaRequired,
      }),
    );
  });

  app.post<ByToken>('/setup/:token', async (request, reply) => {
    checkLoginCsrf(request);
    const previous = await currentSession(core, request);
    const issued = await core.onboarding.begin(request.params.token, clientOf(request));
    // Whoever was signed in on this browser before, the link's owner is now.
    if (previous) await core.sessions.end(previous);
    setSessionCookie(reply, core, issued);
    return reply.redirect(ENROLL_PATH, 303);
  });

  // ---- The first administrator ----

  app.get<ByToken>('/setup/admin/:token', async (request, reply) => {
    await core.onboarding.inspectAdminLink(request.params.token);
    return sendPage(
      reply,
      h(AdminSetupPage, {
        csrfToken: loginCsrfToken(core, request, reply),
        action: `/setup/admin/${encodeURIComponent(request.params.token)}`,
      }),
    );
  });

  app.post<ByToken>('/setup/admin/:token', async (request, reply) => {
    checkLoginCsrf(request);
    const username = formField(request, 'username');
    const email = formField(request, 'email');
    const password = formField(request, 'password');
    let issued: Awaited<ReturnType<Core['onboarding']['createFirstAdmin']>>;
    try {
      if (password !== formField(request, 'confirmation')) {
        throw new TwofoldError('invalid_input', 'The passwords do not match.', { field: 'confirmation' });
      }
      issued = await core.onboarding.createFirstAdmin(request.params.token, {
        username,
        email,
        password,
        ...clientOf(request),
      });
    } catch (error) {
      if (!(error instanceof TwofoldError) || !['invalid_input', 'conflict'].includes(error.code))
        throw error;
      return sendPage(
        reply,
        h(AdminSetupPage, {
          csrfToken: loginCsrfToken(core, request, reply),
          action: `/setup/admin/${encodeURIComponent(request.params.token)}`,
          username,
          email,
          error: error.message,
        }),
        error.status,
      );
    }
    const previous = await currentSession(core, request);
    if (previous) await core.sessions.end(previous);
    setSessionCookie(reply, core, issued);
    return reply.redirect(ENROLL_PATH, 303);
  });

  // ---- The steps, for a `setup` session (from a link) or an `enrollment` one (from a login) ----

  app.get(ENROLL_PATH, async (request, reply) => {
    const session = await onboardingSession(core, request, reply);
    if (!session) return reply;
    const { user } = session;
    const hasFactor = await core.authenticators.hasActiveFactor(user);
    if (session.row.stage === 'enrollment') {
      if (!isMfaRequired(user)) {
        // The administrator turned the requirement off meanwhile: the password login stands.
        setSessionCookie(reply, core, await core.sessions.rotate(session, { stage: 'full' }));
        return reply.redirect('/account', 303);
      }
      if (hasFactor) {
        // Enrolled in another tab: this login never proved that device, so it logs in again.
        await core.sessions.end(session);
        return reply.redirect(loginUrl({ notice: 'expired' }), 303);
      }
    } else if (!isMfaRequired(user) || hasFactor) {
      return reply.redirect(
        hasFactor && !session.row.second_factor_at ? '/setup/verify' : '/setup/password',
        303,
      );
    }
    const enrollment = await core.totp.start(user, { ip: request.ip });
    return reply.redirect(`${ENROLL_PATH}/${encodeURIComponent(enrollment.authenticatorId)}`, 303);
  });

  app.get<ById>(`${ENROLL_PATH}/:id`, async (request, reply) => {
    const session = await onboardingSession(core, request, reply);
    if (!session) return reply;
    return sendEnrollPage(reply, session, request.params.id);
  });

  app.post<ById>(`${ENROLL_PATH}/:id`, async (request, reply) => {
    const session = await onboardingSession(core, request, reply);
    if (!session) return reply;
    checkSessionCsrf(request, session);
    const name = formField(request, 'name');
    let deviceName: string;
    try {
      const { authenticator } = await core.totp.activate(session.user, request.params.id, {
        code: formField(request, 'code'),
        name,
        ip: request.ip,
        session,
      });
      deviceName = authenticator.name;
    } catch (error) {
      if (
        !(error instanceof TwofoldError) ||
        (error.code !== 'invalid_code' && error.code !== 'invalid_input')
      ) {
        throw error;
      }
      return sendEnrollPage(reply, session, request.params.id, { name, error: error.message }, error.status);
    }
    // The session gained a second factor (and an `enrollment` one its full access): a new id.
    const fromLogin = session.row.stage === 'enrollment';
    const rotated = await core.sessions.rotate(session, { stage: fromLogin ? 'full' : 'setup' });
    setSessionCookie(reply, core, rotated);
    if (!fromLogin) return reply.redirect('/setup/password', 303);
    return handOutBackupCodes(
      reply,
      rotated.token,
      request,
      `Your device "${deviceName}" is set up. From now on, type its 6-digit code right after your password when you log in.`,
    );
  });

  app.get('/setup/verify', async (request, reply) => {
    const session = await setupSession(core, request, reply);
    if (!session) return reply;
    return sendPage(reply, h(SetupVerifyPage, { viewer: viewerOf(session) }));
  });

  app.post('/setup/verify', async (request, reply) => {
    const session = await setupSession(core, request, reply);
    if (!session) return reply;
    checkSessionCsrf(request, session);
    try {
      const { rotated } = await core.stepUp.verify(session, formField(request, 'otp'), { ip: request.ip });
      if (rotated) setSessionCookie(reply, core, rotated);
    } catch (error) {
      if (!(error instanceof TwofoldError) || error.code !== 'invalid_code') throw error;
      return sendPage(
        reply,
        h(SetupVerifyPage, { viewer: viewerOf(session), error: error.message }),
        error.status,
      );
    }
    return reply.redirect('/setup/password', 303);
  });

  app.get('/setup/password', async (request, reply) => {
    const session = await setupSession(core, request, reply);
    if (!session) return reply;
    const detour = await passwordDetour(session);
    if (detour) return reply.redirect(detour, 303);
    return sendPage(reply, h(SetupPasswordPage, { viewer: viewerOf(session) }));
  });

  app.post('/setup/password', async (request, reply) => {
    const session = await setupSession(core, request, reply);
    if (!session) return reply;
    checkSessionCsrf(request, session);
    const detour = await passwordDetour(session);
    if (detour) return reply.redirect(detour, 303);
    let issued: Awaited<ReturnType<Core['onboarding']['setPassword']>>;
    try {
      issued = await core.onboarding.setPassword(session, {
        password: formField(request, 'password'),
        confirmation: formField(request, 'confirmation'),
        ip: request.ip,
      });
    } catch (error) {
      if (!(error instanceof TwofoldError) || error.code !== 'invalid_input') throw error;
      return sendPage(
        reply,
        h(SetupPasswordPage, { viewer: viewerOf(session), error: error.message }),
        error.status,
      );
    }
    setSessionCookie(reply, core, issued);
    if (!(await core.authenticators.hasActiveFactor(session.user))) {
      // No device, so nothing for backup codes to stand in for: done.
      const full = await core.sessions.resolve(issued.token);
      if (full) await core.sessions.setFlash(full, 'Your password is set. Welcome!');
      return reply.redirect('/account', 303);
    }
    return handOutBackupCodes(reply, issued.token, request, 'Your password is set.');
  });

  /**
   * Ten fresh backup codes right after the first device (seed 002's remedy for a lost phone),
   * then the backup-code page (Download, Print, "I have my backup codes"). A session whose
   * proof went stale meanwhile goes to the account page instead.
   */
  async function handOutBackupCodes(
    reply: FastifyReply,
    token: string,
    request: FastifyRequest,
    notice: string,
  ): Promise<FastifyReply> {
    const session = await core.sessions.resolve(token);
    if (!session) return reply.redirect(loginUrl({ notice: 'expired' }), 303);
    try {
      await core.backupCodes.generate(session, { ip: request.ip });
    } catch (error) {
      if (
        !(error instanceof TwofoldError) ||
        (error.code !== 'reauthentication_required' && error.code !== 'step_up_required')
      ) {
        throw error;
      }
      await core.sessions.setFlash(session, `${notice} You can generate backup codes from your account.`);
      return reply.redirect('/account', 303);
    }
    await core.sessions.setFlash(session, notice);
    return reply.redirect('/account/backup-codes', 303);
  }

  /** Before the password of a setup link: the required device first, or a code from an existing one. */
  async function passwordDetour(session: ActiveSession): Promise<string | undefined> {
    const hasFactor = await core.authenticators.hasActiveFactor(session.user);
    if (isMfaRequired(session.user) && !hasFactor) return ENROLL_PATH;
    if (hasFactor && !session.row.second_factor_at) return '/setup/verify';
    return undefined;
  }

  async function sendEnrollPage(
    reply: FastifyReply,
    session: ActiveSession,
    authenticatorId: string,
    form: { name?: string; error?: string } = {},
    status = 200,
  ) {
    const enrollment = await core.totp.get(session.user, authenticatorId);
    const qrSvg = await qrCodeSvg(enrollment.otpauthUri);
    return sendPage(
      reply,
      h(OnboardingOtpPage, {
        viewer: viewerOf(session),
        enrollment,
        qrSvg,
        defaultName: 'Authenticator 1',
        reason: session.row.stage === 'enrollment' ? 'required' : 'setup',
        ...form,
      }),
      status,
    );
  }
}

/**
 * The session of an onboarding step: `setup` (from a link) or `enrollment` (a login that must
 * enroll first). A signed-in person has nothing to do here; anyone else logs in.
 */
async function onboardingSession(
  core: Core,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<ActiveSession | undefined> {
  const session = await currentSession(core, request);
  if (session?.row.stage === 'setup' || session?.row.stage === 'enrollment') return session;
  reply.redirect(session?.row.stage === 'full' ? '/account' : loginUrl({ notice: 'expired' }), 303);
  return undefined;
}

/** Only a setup link's session chooses a password here; the account page has its own form. */
async function setupSession(
  core: Core,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<ActiveSession | undefined> {
  const session = await onboardingSession(core, request, reply);
  if (session?.row.stage === 'enrollment') {
    reply.redirect(ENROLL_PATH, 303);
    return undefined;
  }
  return session;
}
