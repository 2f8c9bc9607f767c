import type { Clock } from './clock.js';
import { TwofoldError } from './errors.js';
import { type ActiveSession, RECENT_AUTHENTICATION_MS } from './sessions.js';

/**
 * Sensitive actions (add or remove an authenticator, new backup codes, API tokens, password)
 * need a proof of identity younger than five minutes (security rule 5 in docs/architecture.md).
 *
 * - In a browser, that is logging in again — password, and a code when the user has an active
 *   factor (seed 000: "You will be asked to login again", then "a 6-digit code from one of
 *   your already configured TOTP devices").
 * - With an API login token, a step-up (`POST /api/v1/me/verify`) is enough for a user with an
 *   active factor (issue 4: "more than 5 minutes after the last password or step-up"): the
 *   token already came from password + code, and proving the device again is the stronger half.
 *   Without a factor only the password can prove anything, so the client logs in again.
 */
export function requireRecentAuthentication(
  session: ActiveSession,
  hasActiveFactor: boolean,
  clock: Clock,
): void {
  const since = clock.now() - RECENT_AUTHENTICATION_MS;
  const passwordFresh = session.row.authenticated_at >= since;
  const secondFactorFresh = (session.row.second_factor_at ?? 0) >= since;
  if (session.row.kind === 'api' && hasActiveFactor) {
    if (secondFactorFresh) return;
    throw new TwofoldError(
      'step_up_required',
      'For your security, prove a fresh second factor first (POST /api/v1/me/verify with a current code).',
    );
  }
  if (!passwordFresh) {
    throw new TwofoldError(
      'reauthentication_required',
      'For your security, please log in again to continue.',
    );
  }
  if (hasActiveFactor && !secondFactorFresh) {
    throw new TwofoldError(
      'step_up_required',
      'For your security, enter a code from one of your configured devices to continue.',
    );
  }
}

/** Whether the session may do sensitive things now, without throwing. */
export function isRecentlyAuthenticated(
  session: ActiveSession,
  hasActiveFactor: boolean,
  clock: Clock,
): boolean {
  try {
    requireRecentAuthentication(session, hasActiveFactor, clock);
    return true;
  } catch {
    return false;
  }
}
