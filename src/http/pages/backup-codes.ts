import type { FastifyInstance } from 'fastify';
import { h } from 'preact';
import { type Core, isoTime, TwofoldError } from '../../core/index.js';
import { renderBackupCodesPdf } from '../backup-codes-pdf.js';
import {
  BackupCodesStatusPage,
  FreshBackupCodesPage,
  PrintBackupCodesPage,
} from '../views/backup-codes-page.js';
import { askToAuthenticateAgain, checkSessionCsrf, clientOf, requireSignedIn } from './page-session.js';
import { sendPage, viewerOf } from './respond.js';

const handoutGone = () =>
  new TwofoldError(
    'not_found',
    'Backup codes can be downloaded or printed only right after they are made. Generate a new set on the account page.',
  );

/**
 * Backup codes in the browser (issue 5, seed 004): made after the first device and on request,
 * shown once with Download (PDF) and Print, confirmed with "I have my backup codes".
 */
export async function backupCodeRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  app.get('/account/backup-codes', async (request, reply) => {
    const session = await requireSignedIn(core, request, reply);
    if (!session) return reply;
    const notice = session.row.flash;
    if (notice) await core.sessions.setFlash(session, null);
    const codes = core.backupCodes.handout(session);
    if (codes) {
      const status = await core.backupCodes.status(session.user);
      return sendPage(
        reply,
        h(FreshBackupCodesPage, {
          viewer: viewerOf(session),
          codes,
          firstSetup: !status.confirmed && (await core.authenticators.list(session.user)).length === 1,
          notice,
        }),
      );
    }
    const status = await core.backupCodes.status(session.user);
    return sendPage(
      reply,
      h(BackupCodesStatusPage, {
        viewer: viewerOf(session),
        remaining: status.remaining,
        total: status.total,
        notice,
      }),
    );
  });

  app.post('/account/backup-codes', async (request, reply) => {
    const session = await requireSignedIn(core, request, reply);
    if (!session) return reply;
    checkSessionCsrf(request, session);
    try {
      await core.backupCodes.generate(session, { ip: clientOf(request).ip });
    } catch (error) {
      return askToAuthenticateAgain(reply, error, '/account/backup-codes');
    }
    return reply.redirect('/account/backup-codes', 303);
  });

  app.post('/account/backup-codes/confirm', async (request, reply) => {
    const session = await requireSignedIn(core, request, reply);
    if (!session) return reply;
    checkSessionCsrf(request, session);
    await core.backupCodes.confirm(session, { ip: clientOf(request).ip });
    await core.sessions.setFlash(
      session,
      'Your backup codes are saved. Two-factor authentication is set up.',
    );
    // Seed 004: the first setup ends on "MFA is now active for all services", with Service Settings.
    return reply.redirect('/account/mfa-activated', 303);
  });

  app.get('/account/backup-codes.pdf', async (request, reply) => {
    const session = await requireSignedIn(core, request, reply);
    if (!session) return reply;
    const codes = core.backupCodes.handout(session);
    if (!codes) throw handoutGone();
    const status = await core.backupCodes.status(session.user);
    const pdf = await renderBackupCodesPdf({
      issuer: core.settings.issuer,
      account: session.user.username,
      createdAt: new Date(status.createdAt ?? core.clock.now()),
      codes,
    });
    return reply
      .type('application/pdf')
      .header('cache-control', 'no-store')
      .header(
        'content-disposition',
        `attachment; filename="${core.settings.issuer.replace(/[^\w.-]+/g, '-')}-backup-codes.pdf"`,
      )
      .send(pdf);
  });

  app.get('/account/backup-codes/print', async (request, reply) => {
    const session = await requireSignedIn(core, request, reply);
    if (!session) return reply;
    const codes = core.backupCodes.handout(session);
    if (!codes) throw handoutGone();
    const status = await core.backupCodes.status(session.user);
    return sendPage(
      reply,
      h(PrintBackupCodesPage, {
        issuer: core.settings.issuer,
        username: session.user.username,
        date: isoTime(status.createdAt ?? core.clock.now()).slice(0, 10),
        codes,
      }),
    );
  });
}
