import { TwofoldError } from './errors.js';
import type { WebauthnFailureReason } from './webauthn-support.js';

/** How each refused WebAuthn answer is told to the person: what happened and what to do. */
export const challengeRefused = () =>
  new TwofoldError(
    'expired',
    'This security key request has expired or was already used. Start again and answer within 5 minutes.',
  );

const ASSERTION_MESSAGES: Record<WebauthnFailureReason, string> = {
  challenge: 'This security key request has expired or was already used. Start again.',
  origin: 'The security key answered for another website address, so it was refused.',
  rp_id: 'The security key answered for another website, so it was refused.',
  unknown_key: 'This security key is not registered for this account. Use another key or a one-time code.',
  user_verification: 'Your security key did not verify you (PIN or biometrics). Try again with verification.',
  counter:
    'This security key reported a use counter lower than before, which happens when a key has been copied. ' +
    'It was refused. Use another method and remove this key from your account.',
  signature: 'Your security key could not be verified. Try again, or use another method.',
  malformed: 'The security key response could not be read. Try again.',
};

export function assertionRefused(reason: WebauthnFailureReason): TwofoldError {
  return new TwofoldError('invalid_code', ASSERTION_MESSAGES[reason]);
}

export function registrationRefused(reason: WebauthnFailureReason, cause: unknown): TwofoldError {
  const message =
    reason === 'origin' || reason === 'rp_id'
      ? 'The security key was registered for another website address, so it was refused.'
      : reason === 'challenge'
        ? 'This registration request has expired or was already used. Start again.'
        : 'The security key could not be registered. Try again.';
  return new TwofoldError('invalid_input', message, { cause });
}
