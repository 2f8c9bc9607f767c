import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database, RadiusChallengesTable } from './schema.js';

export type RadiusChallengeRow = Selectable<RadiusChallengesTable>;

/**
 * The RADIUS challenges waiting for a code. In the database, so the second Access-Request may
 * reach another instance; taken once, so a State cannot carry two codes.
 */
export class RadiusChallengeRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: Insertable<RadiusChallengesTable>): Promise<void> {
    await this.db.insertInto('radius_challenges').values(row).execute();
  }

  /** Takes a live challenge of this client; undefined when unknown, expired or already taken. */
  async take(stateHash: string, serviceId: string, now: number): Promise<RadiusChallengeRow | undefined> {
    return this.db
      .deleteFrom('radius_challenges')
      .where('state_hash', '=', stateHash)
      .where('service_id', '=', serviceId)
      .where('expires_at', '>', now)
      .returningAll()
      .executeTakeFirst();
  }

  async removeExpired(now: number): Promise<number> {
    const result = await this.db
      .deleteFrom('radius_challenges')
      .where('expires_at', '<=', now)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
