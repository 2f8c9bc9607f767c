import type { FastifyInstance, FastifyReply } from 'fastify';
import { h } from 'preact';
import { type ActiveSession, type Core, TwofoldError } from '../../core/index.js';
import { qrCodeSvg } from '../qr-code.js';
import { OtpSetupPage } from '../views/otp-setup-page.js';
import {
  askToAuthenticateAgain,
  checkSessionCsrf,
  clientOf,
  formField,
  requireSignedIn,
  SESSION_COOKIE,
} from './page-session.js';
import { sendPage, viewerOf } from './respond.js';

/** What the QR code must be for a phone camera and for zbarimg reading a screenshot. */
/**
 * "Set up OTP" (seeds 000 and 001): a pending TOTP device with its QR code, made active by the
 * first correct code. The rules — recent authentication, pending expiry, naming — are core's.
 */
export async function otpSetupRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  /**
   * "Set up OTP" is a link (and where the re-login of seed 000 comes back to), so it is a GET.
   * What it creates is harmless on its own: a pending secret, shown only to this user, that logs
   * nobody in and expires in 15 minutes. The page redirects so a reload keeps the same QR code.
   */
  app.get('/account/otp/new', async (request, reply) => {
    const session = await requireSignedIn(core, request, reply);
    if (!session) return reply;
    try {
      await core.authenticators.assertMayChangeFactors(session);
    } catch (error) {
      return askToAuthenticateAgain(reply, error, '/account/otp/new');
    }
    const enrollment = await core.totp.start(session.user, { ip: request.ip });
    return reply.redirect(`/account/otp/${encodeURIComponent(enrollment.authenticatorId)}`, 303);
  });

  app.get<{ Params: { id: string } }>('/account/otp/:id', async (request, reply) => {
    const session = await requireSignedIn(core, request, reply);
    if (!session) return reply;
    return sendSetupPage(reply, session, request.params.id);
  });

  app.post<{ Params: { id: string } }>('/account/otp/:id', async (request, reply) => {
    const session = await requireSignedIn(core, request, reply);
    if (!session) return reply;
    checkSessionCsrf(request, session);
    const name = formField(request, 'name');
    try {
      const { authenticator, firstFactor } = await core.totp.activate(session.user, request.params.id, {
        code: formField(request, 'code'),
        name,
        ip: clientOf(request).ip,
        session,
      });
      await core.sessions.setFlash(
        session,
        `Your device "${authenticator.name}" is set up and ready to use. No further testing is needed.` +
          (firstFactor
            ? ' Two-factor authentication is now on: when you log in, type the 6-digit code right after your password.'
            : ''),
      );
      if (firstFactor) {
        // Seed 004: the first setup is complete only once backup codes are saved.
        const fresh = (await core.sessions.resolve(request.cookies[SESSION_COOKIE])) ?? session;
        await core.backupCodes.generate(fresh, { ip: clientOf(request).ip });
        return reply.redirect('/account/backup-codes', 303);
      }
      return reply.redirect('/account', 303);
    } catch (error) {
      // A wrong code or a bad name: the same QR code again, with the reason. Expired or unknown
      // setups go to the error page, which says to start again.
      if (
        !(error instanceof TwofoldError) ||
        (error.code !== 'invalid_code' && error.code !== 'invalid_input')
      ) {
        throw error;
      }
      return sendSetupPage(reply, session, request.params.id, { name, error: error.message }, error.status);
    }
  });

  async function sendSetupPage(
    reply: FastifyReply,
    session: ActiveSession,
    authenticatorId: string,
    form: { name?: string; error?: string } = {},
    status = 200,
  ) {
    const enrollment = await core.totp.get(session.user, authenticatorId);
    const qrSvg = await qrCodeSvg(enrollment.otpauthUri);
    const devices = await core.authenticators.list(session.user);
    return sendPage(
      reply,
      h(OtpSetupPage, {
        viewer: viewerOf(session),
        enrollment,
        qrSvg,
        defaultName: `Authenticator ${devices.length + 1}`,
        ...form,
      }),
      status,
    );
  }
}
