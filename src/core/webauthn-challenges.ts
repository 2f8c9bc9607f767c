import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { randomId } from '../security/index.js';
import type { Store, WebauthnChallengeRow } from '../store/index.js';
import type { Clock } from './clock.js';
import { readClientChallenge } from './webauthn-support.js';

/** A challenge must be answered within this time (issue 6), then it is gone. */
export const WEBAUTHN_CHALLENGE_LIFETIME_MS = 5 * 60_000;

/**
 * The challenges of WebAuthn ceremonies, kept in the database so that any instance can finish
 * what another started, and used up at the first look.
 */
export class WebauthnChallenges {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async save(
    challenge: string,
    purpose: WebauthnChallengeRow['purpose'],
    userId: string | null,
  ): Promise<void> {
    const now = this.clock.now();
    await this.store.webauthnChallenges.removeExpired(now);
    await this.store.webauthnChallenges.insert({
      id: randomId(),
      challenge,
      user_id: userId,
      purpose,
      created_at: now,
      expires_at: now + WEBAUTHN_CHALLENGE_LIFETIME_MS,
    });
  }

  /**
   * Finds the challenge the browser signed (it is in clientDataJSON) and removes it in the same
   * statement: a replayed response, or a second instance racing the first, finds nothing.
   */
  async consume(
    response: RegistrationResponseJSON | AuthenticationResponseJSON,
    purpose: WebauthnChallengeRow['purpose'],
    userId: string | null,
  ): Promise<WebauthnChallengeRow | undefined> {
    const challenge = readClientChallenge(response);
    if (!challenge) return undefined;
    return this.store.webauthnChallenges.consume(challenge, purpose, userId, this.clock.now());
  }
}
