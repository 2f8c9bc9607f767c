import type { FastifyInstance, FastifyReply } from 'fastify';
import { h } from 'preact';
import type { Core } from '../../core/index.js';
import { continuePageRoutes } from '../../forward-auth/continue-page.js';
import { type PublicError, toPublicError } from '../error-handler.js';
import { ErrorPage } from '../views/error-page.js';
import type { Viewer } from '../views/layout.js';
import { accountRoutes, apiTokenPageRoutes } from './account.js';
import { adminPageRoutes } from './admin-routes.js';
import { backupCodeRoutes } from './backup-codes.js';
import { externalSignInRoutes } from './external-sign-in.js';
import { loginRoutes } from './login.js';
import { onboardingRoutes } from './onboarding.js';
import { otpSetupRoutes } from './otp-setup.js';
import { currentSession } from './page-session.js';
import { passwordRoutes } from './password.js';
import { removalRoutes } from './removal.js';
import { sendPage, viewerOf } from './respond.js';
import { serviceSettingsRoutes } from './service-settings.js';
import { staticRoutes } from './static-files.js';
import { stepUpRoutes } from './step-up.js';

export interface PageOptions {
  readonly core: Core;
}

/** The server-rendered pages (issue 3), one plugin per feature. */
export async function pageRoutes(app: FastifyInstance, options: PageOptions): Promise<void> {
  // A page answers with a page, whatever the Accept header says (forms, redirects followed by
  // tools): the API's JSON envelope belongs under /api only.
  app.setErrorHandler(async (error, request, reply) => {
    const publicError = toPublicError(error);
    if (publicError.status >= 500) request.log.error({ err: error }, 'request failed');
    // Signed in, the error page keeps the header with "Log out" like every other page.
    const session = await currentSession(options.core, request).catch(() => undefined);
    return sendHtmlError(reply, publicError, session?.row.stage === 'full' ? viewerOf(session) : undefined);
  });
  await app.register(staticRoutes);
  await app.register(loginRoutes, options);
  await app.register(externalSignInRoutes, options);
  await app.register(accountRoutes, options);
  await app.register(serviceSettingsRoutes, options);
  await app.register(otpSetupRoutes, options);
  await app.register(removalRoutes, options);
  await app.register(passwordRoutes, options);
  await app.register(stepUpRoutes, options);
  await app.register(backupCodeRoutes, options);
  await app.register(apiTokenPageRoutes, options);
  await app.register(onboardingRoutes, options);
  await app.register(adminPageRoutes, options);
  await app.register(continuePageRoutes, options);
}

/**
 * An error as an HTML page, for browsers; a 429 says how long to wait, also in `Retry-After`.
 * With `viewer`, the header shows who is signed in and "Log out", as on every other page.
 */
export function sendHtmlError(reply: FastifyReply, error: PublicError, viewer?: Viewer): FastifyReply {
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  return sendPage(
    reply,
    h(ErrorPage, {
      status: error.status,
      message: error.message,
      retryAfterSeconds: error.retryAfterSeconds,
      viewer,
    }),
    error.status,
  );
}
