import type { Clock } from './clock.js';
import { TwofoldError } from './errors.js';
import { type ActiveSession, RECENT_AUTHENTICATION_MS } from './sessions.js';

/**
 * Sensitive actions (add or remove an authenticator, new backup codes, API tokens, password)
 * need a password proof younger than five minutes and, when the user has an active factor, a
 * second factor as fresh (DESIGN.md §4.5; seed 000: "You will be asked to login again").
 */
export function requireRecentAuthentication(
  session: ActiveSession,
  hasActiveFactor: boolean,
  clock: Clock,
): void {
  const since = clock.now() - RECENT_AUTHENTICATION_MS;
  if (session.row.authenticated_at < since) {
    throw new TwofoldError(
      'reauthentication_required',
      'For your security, please log in again to continue.',
    );
  }
  if (hasActiveFactor && (session.row.second_factor_at ?? 0) < since) {
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
