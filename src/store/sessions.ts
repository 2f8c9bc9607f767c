import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { Database, SessionsTable } from './schema.js';

export type SessionRow = Selectable<SessionsTable>;
export type NewSessionRow = Insertable<SessionsTable>;
export type SessionPatch = Updateable<Omit<SessionsTable, 'id_hash' | 'user_id' | 'kind' | 'created_at'>>;

/** Sessions are found only by the hash of their id: a database dump holds no usable id. */
export class SessionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: NewSessionRow): Promise<void> {
    await this.db.insertInto('sessions').values(row).execute();
  }

  async findLive(idHash: string, now: number): Promise<SessionRow | undefined> {
    return this.db
      .selectFrom('sessions')
      .selectAll()
      .where('id_hash', '=', idHash)
      .where('expires_at', '>', now)
      .executeTakeFirst();
  }

  async update(idHash: string, patch: SessionPatch): Promise<boolean> {
    const result = await this.db
      .updateTable('sessions')
      .set(patch)
      .where('id_hash', '=', idHash)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  /**
   * Replaces a session's id (rotation at login and step-up) keeping its row: the old id stops
   * working in the same statement the new one starts.
   */
  async rotate(oldIdHash: string, newIdHash: string, patch: SessionPatch): Promise<boolean> {
    const result = await this.db
      .updateTable('sessions')
      .set({ ...patch, id_hash: newIdHash })
      .where('id_hash', '=', oldIdHash)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  async remove(idHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
  }

  /** Ends every session of a user but the one named (e.g. after a password change). */
  async removeAllForUser(userId: string, exceptIdHash?: string): Promise<number> {
    let query = this.db.deleteFrom('sessions').where('user_id', '=', userId);
    if (exceptIdHash) query = query.where('id_hash', '!=', exceptIdHash);
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async removeExpired(now: number): Promise<number> {
    const result = await this.db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
