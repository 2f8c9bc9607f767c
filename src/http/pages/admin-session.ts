import type { FastifyReply, FastifyRequest } from 'fastify';
import { type ActiveSession, type Core, TwofoldError } from '../../core/index.js';
import { askToAuthenticateAgain, checkSessionCsrf, requireSignedIn } from './page-session.js';

/**
 * The signed-in administrator of an admin page, or undefined after a redirect to the login page.
 * Anyone else signed in gets 403. An administrator without an active device (promoted while
 * signed in, or whose own devices were just removed) is refused too: administrators use MFA.
 */
export async function requireAdmin(
  core: Core,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<ActiveSession | undefined> {
  const session = await requireSignedIn(core, request, reply);
  if (!session) return undefined;
  core.administration.requireAdmin(session.user);
  if (!(await core.authenticators.hasActiveFactor(session.user))) {
    throw new TwofoldError(
      'forbidden',
      'Administrators must use two-factor authentication: set up a device on your account page, then come back.',
    );
  }
  return session;
}

/**
 * An administrator who proved themselves in the last five minutes (password and a fresh code),
 * as every change to another account requires; otherwise undefined after the redirect to log in
 * again, which comes back to `back` (a page, since a form cannot be re-sent across a login).
 * With `csrf`, the form's token is checked first.
 */
export async function requireRecentAdmin(
  core: Core,
  request: FastifyRequest,
  reply: FastifyReply,
  back: string,
  options: { csrf: boolean },
): Promise<ActiveSession | undefined> {
  const session = await requireAdmin(core, request, reply);
  if (!session) return undefined;
  if (options.csrf) checkSessionCsrf(request, session);
  try {
    await core.authenticators.assertMayChangeFactors(session);
  } catch (error) {
    askToAuthenticateAgain(reply, error, back);
    return undefined;
  }
  return session;
}
