import type { Clock } from '../core/index.js';
import { hashToken, randomToken } from '../security/index.js';
import type { Store } from '../store/index.js';

/** How long a person has to type the code after the password was right. */
export const CHALLENGE_TTL_MS = 2 * 60_000;

/**
 * The State of an Access-Challenge: the password step was right, the code is still to come. The
 * State is 256 random bits; the database keeps only its hash, with the person and the client it
 * was sent to, so the next request may reach any instance. Taken once: a wrong code ends the
 * challenge, and a State cannot be tried twice.
 */
export class RadiusChallenges {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** A new challenge for this person at this client; the State to send. */
  async open(serviceId: string, userId: string): Promise<Buffer> {
    const state = randomToken(32);
    const now = this.clock.now();
    // Swept here, as WebAuthn challenges are: whatever opens challenges also clears old ones.
    await this.store.radiusChallenges.removeExpired(now);
    await this.store.radiusChallenges.insert({
      state_hash: hashToken(state),
      service_id: serviceId,
      user_id: userId,
      expires_at: now + CHALLENGE_TTL_MS,
    });
    return Buffer.from(state, 'ascii');
  }

  /** The person a live State of this client was sent for; undefined if unknown, expired or used. */
  async take(serviceId: string, state: Buffer): Promise<string | undefined> {
    const row = await this.store.radiusChallenges.take(
      hashToken(state.toString('latin1')),
      serviceId,
      this.clock.now(),
    );
    return row?.user_id;
  }
}
