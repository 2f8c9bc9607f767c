import type { Insertable, Kysely, Selectable } from 'kysely';
import type { ApiTokensTable, Database } from './schema.js';

export type ApiTokenRow = Selectable<ApiTokensTable>;

/** Personal API tokens, found only by the hash of the token. */
export class ApiTokenRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: Insertable<ApiTokensTable>): Promise<void> {
    await this.db.insertInto('api_tokens').values(row).execute();
  }

  async findUsable(tokenHash: string, now: number): Promise<ApiTokenRow | undefined> {
    return this.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .executeTakeFirst();
  }

  async listByUser(userId: string): Promise<ApiTokenRow[]> {
    return this.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .orderBy('created_at')
      .execute();
  }

  async touch(id: string, now: number): Promise<void> {
    await this.db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', id).execute();
  }

  async revoke(id: string, userId: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('api_tokens')
      .set({ revoked_at: now })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }
}
