import type { Insertable, Kysely, Selectable } from 'kysely';
import type { BackupCodesTable, Database } from './schema.js';

export type BackupCodeRow = Selectable<BackupCodesTable>;

/** A user's backup codes, stored only as slow salted hashes behind a short public lookup. */
export class BackupCodeRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Replaces the user's whole set. Call inside a transaction that has already written the
   * user's row: the transaction makes the old set never outlive the new, the row lock makes a
   * concurrent replacement wait and then see (and delete) this set.
   */
  async replaceSet(userId: string, rows: readonly Insertable<BackupCodesTable>[]): Promise<void> {
    await this.db.deleteFrom('backup_codes').where('user_id', '=', userId).execute();
    if (rows.length > 0)
      await this.db
        .insertInto('backup_codes')
        .values([...rows])
        .execute();
  }

  async findUnused(userId: string, lookup: string): Promise<BackupCodeRow | undefined> {
    return this.db
      .selectFrom('backup_codes')
      .selectAll()
      .where('user_id', '=', userId)
      .where('lookup', '=', lookup)
      .where('used_at', 'is', null)
      .executeTakeFirst();
  }

  /** Marks a code used; false when a racing request used it first. */
  async consume(id: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('backup_codes')
      .set({ used_at: now })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  async summary(userId: string): Promise<{ total: number; remaining: number; createdAt: number | null }> {
    const row = await this.db
      .selectFrom('backup_codes')
      .select((eb) => [
        eb.fn.countAll<number>().as('total'),
        eb.fn.count<number>('id').filterWhere('used_at', 'is', null).as('remaining'),
        eb.fn.max('created_at').as('created_at'),
      ])
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    return {
      total: Number(row.total),
      remaining: Number(row.remaining),
      createdAt: row.created_at === null ? null : Number(row.created_at),
    };
  }

  async removeAllForUser(userId: string): Promise<void> {
    await this.db.deleteFrom('backup_codes').where('user_id', '=', userId).execute();
  }
}
