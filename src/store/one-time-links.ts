import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database, OneTimeLinksTable } from './schema.js';

export type OneTimeLinkRow = Selectable<OneTimeLinksTable>;

/** Password-setup and admin-setup links, found only by the hash of their token. */
export class OneTimeLinkRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: Insertable<OneTimeLinksTable>): Promise<void> {
    await this.db.insertInto('one_time_links').values(row).execute();
  }

  async findUsable(tokenHash: string, now: number): Promise<OneTimeLinkRow | undefined> {
    return this.db
      .selectFrom('one_time_links')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
  }

  /** Marks the link used; false when another request used it first. */
  async consume(id: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('one_time_links')
      .set({ used_at: now })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  /** The ids of the user's links of a purpose not used yet: those a new link is to replace. */
  async findUnusedIds(userId: string, purpose: OneTimeLinkRow['purpose']): Promise<string[]> {
    const rows = await this.db
      .selectFrom('one_time_links')
      .select('id')
      .where('user_id', '=', userId)
      .where('purpose', '=', purpose)
      .where('used_at', 'is', null)
      .execute();
    return rows.map((row) => row.id);
  }

  /** Marks these links used, so they no longer work; one already used keeps its time. */
  async revoke(ids: readonly string[], now: number): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('one_time_links')
      .set({ used_at: now })
      .where('id', 'in', ids)
      .where('used_at', 'is', null)
      .execute();
  }

  /** Every unused link of the user of one purpose stops working (e.g. their e-mail address changed). */
  async revokeForUser(userId: string, purpose: OneTimeLinkRow['purpose'], now: number): Promise<void> {
    await this.db
      .updateTable('one_time_links')
      .set({ used_at: now })
      .where('user_id', '=', userId)
      .where('purpose', '=', purpose)
      .where('used_at', 'is', null)
      .execute();
  }
}
