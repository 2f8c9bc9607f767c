import type { FastifyRequest } from 'fastify';
import { type ActiveSession, type Core, TwofoldError } from '../../core/index.js';
import { asSensitive, bearerAuthentication, loginSessionOf } from './auth.js';

export const adminOnly =
  ' Administrators only, with an API login token (password and code): a personal API token or a ' +
  'non-administrator gets 403.';

/**
 * What every administration route checks, and how: the `onRequest` guard (an administrator with
 * a login token and an active factor, checked before the body is read, so a non-administrator
 * learns nothing about what a route accepts), the session, and the fresh second factor a change
 * needs (security rule 5 in docs/architecture.md).
 */
export function adminGuard(core: Core) {
  const authenticate = bearerAuthentication(core);
  async function administrator(request: FastifyRequest): Promise<void> {
    const session = loginSessionOf(request, 'use the administration API');
    core.administration.requireAdmin(session.user);
    if (!(await core.authenticators.hasActiveFactor(session.user))) {
      throw new TwofoldError(
        'forbidden',
        'Administrators must use two-factor authentication: set up an authenticator first.',
      );
    }
  }
  const sessionOf = (request: FastifyRequest): ActiveSession => loginSessionOf(request, 'administer');
  return {
    guard: { onRequest: [authenticate, administrator] },
    sessionOf,
    /** A change: a fresh second factor first. */
    recent: async (request: FastifyRequest): Promise<ActiveSession> => {
      const session = sessionOf(request);
      await asSensitive(() => core.authenticators.assertMayChangeFactors(session));
      return session;
    },
  };
}
