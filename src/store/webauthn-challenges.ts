import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database, WebauthnChallengesTable } from './schema.js';

export type WebauthnChallengeRow = Selectable<WebauthnChallengesTable>;
export type NewWebauthnChallengeRow = Insertable<WebauthnChallengesTable>;

/**
 * WebAuthn challenges live in the database, not in the process: a ceremony begun on one
 * instance can be finished on another, and a challenge is used up the moment it is looked at.
 */
export class WebauthnChallengeRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: NewWebauthnChallengeRow): Promise<void> {
    await this.db.insertInto('webauthn_challenges').values(row).execute();
  }

  /**
   * Takes a live challenge out of the table and returns it; undefined when it is unknown,
   * expired, for another purpose or another user, or already taken. One `DELETE … RETURNING`
   * statement decides, so of two requests replaying the same response (on one instance or
   * many) exactly one gets the row.
   */
  async consume(
    challenge: string,
    purpose: WebauthnChallengeRow['purpose'],
    userId: string | null,
    now: number,
  ): Promise<WebauthnChallengeRow | undefined> {
    let query = this.db
      .deleteFrom('webauthn_challenges')
      .where('challenge', '=', challenge)
      .where('purpose', '=', purpose)
      .where('expires_at', '>', now);
    query = userId === null ? query.where('user_id', 'is', null) : query.where('user_id', '=', userId);
    return query.returningAll().executeTakeFirst();
  }

  async removeExpired(now: number): Promise<number> {
    const result = await this.db
      .deleteFrom('webauthn_challenges')
      .where('expires_at', '<=', now)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
