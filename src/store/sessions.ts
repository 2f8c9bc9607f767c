import type { Insertable, Kysely, QueryCreator, Selectable, Updateable } from 'kysely';
import { isPostgres } from './dialect.js';
import { PreparedQuery } from './prepared.js';
import type { Database, SessionsTable } from './schema.js';
import type { UserRow } from './users.js';

const USER_COLUMNS = [
  'id',
  'username',
  'email',
  'first_name',
  'last_name',
  'password_hash',
  'is_admin',
  'otp_required',
  'disabled',
  'backup_codes_confirmed',
  'created_at',
  'updated_at',
  'last_login_at',
] as const satisfies readonly (keyof UserRow)[];

/** Every column of a session; the record has the compiler check that none is missing. */
const SESSION_COLUMNS = Object.keys({
  id_hash: true,
  user_id: true,
  kind: true,
  stage: true,
  csrf_token: true,
  created_at: true,
  expires_at: true,
  authenticated_at: true,
  second_factor_at: true,
  last_seen_at: true,
  user_agent: true,
  ip: true,
  flash: true,
  backup_codes_sealed: true,
  backup_codes_until: true,
  amr: true,
  external_sign_in: true,
} satisfies Record<keyof SessionsTable, true>) as (keyof SessionsTable)[];

/** The session and the user of a row of the joined read (`u__` before each user column). */
type SplitRow = (row: Record<string, unknown>) => { session: SessionRow; user: UserRow };

/**
 * Written out once for the columns above, as the row readers are (sqlite-rows.ts): a walk over
 * each row's keys (`Object.entries`, then a store by computed name into two new objects) cost
 * the PostgreSQL path ~20,000 instructions a verification (measured with `npm run bench`).
 * The names are our own constants, each written as a JSON string.
 */
const splitSessionAndUser = new Function(
  'row',
  `return { session: { ${SESSION_COLUMNS.map((c) => `${JSON.stringify(c)}: row[${JSON.stringify(c)}]`).join(', ')} }, ` +
    `user: { ${USER_COLUMNS.map((c) => `${JSON.stringify(c)}: row[${JSON.stringify(`u__${c}`)}]`).join(', ')} } };`,
) as SplitRow;

export type SessionRow = Selectable<SessionsTable>;
export type NewSessionRow = Insertable<SessionsTable>;
export type SessionPatch = Updateable<Omit<SessionsTable, 'id_hash' | 'user_id' | 'kind' | 'created_at'>>;

/** Sessions are found only by the hash of their id: a database dump holds no usable id. */
export class SessionRepository {
  readonly #live: PreparedQuery<{ idHash: string; now: number }, SessionRow>;
  readonly #user: PreparedQuery<{ id: string }, UserRow>;
  readonly #liveWithUser: PreparedQuery<{ idHash: string; now: number }, Record<string, unknown>>;
  readonly #recordSecondFactor: PreparedQuery<{ idHash: string; now: number }, unknown>;
  readonly #insert: PreparedQuery<SessionRow, unknown>;
  readonly #joinUser: boolean;

  constructor(private readonly db: Kysely<Database>) {
    this.#live = new PreparedQuery(db, (p) =>
      db.selectFrom('sessions').selectAll().where('id_hash', '=', p.idHash).where('expires_at', '>', p.now),
    );
    this.#user = new PreparedQuery(db, (p) =>
      db.selectFrom('users').select(USER_COLUMNS).where('id', '=', p.id),
    );
    this.#liveWithUser = new PreparedQuery(db, (p) =>
      db
        .selectFrom('sessions')
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .select(SESSION_COLUMNS.map((column) => `sessions.${column}` as const))
        .select(USER_COLUMNS.map((column) => `users.${column} as u__${column}` as const))
        .where('sessions.id_hash', '=', p.idHash)
        .where('sessions.expires_at', '>', p.now),
    );
    this.#recordSecondFactor = new PreparedQuery(db, (p) => recordSecondFactorQuery(db, p));
    this.#insert = new PreparedQuery(db, (p) =>
      db.insertInto('sessions').values({
        id_hash: p.id_hash,
        user_id: p.user_id,
        kind: p.kind,
        stage: p.stage,
        csrf_token: p.csrf_token,
        created_at: p.created_at,
        expires_at: p.expires_at,
        authenticated_at: p.authenticated_at,
        second_factor_at: p.second_factor_at,
        last_seen_at: p.last_seen_at,
        user_agent: p.user_agent,
        ip: p.ip,
        flash: p.flash,
        backup_codes_sealed: p.backup_codes_sealed,
        backup_codes_until: p.backup_codes_until,
        amr: p.amr,
        external_sign_in: p.external_sign_in,
      }),
    );
    // PostgreSQL: one round trip. SQLite has no round trips: alone, the join is ~9 µs faster
    // than two lookups (one WAL read lock instead of two), but in the server alternating runs of
    // both showed no difference (measured with `npm run bench`), so SQLite keeps the simpler two.
    this.#joinUser = isPostgres(db);
  }

  async insert(row: NewSessionRow): Promise<void> {
    await this.#insert.execute({
      ...row,
      second_factor_at: row.second_factor_at ?? null,
      user_agent: row.user_agent ?? null,
      ip: row.ip ?? null,
      flash: row.flash ?? null,
      backup_codes_sealed: row.backup_codes_sealed ?? null,
      backup_codes_until: row.backup_codes_until ?? null,
      amr: row.amr ?? '',
      external_sign_in: row.external_sign_in ?? null,
    });
  }

  async findLive(idHash: string, now: number): Promise<SessionRow | undefined> {
    return this.#live.first({ idHash, now });
  }

  /**
   * The live session and its user in one statement: every authenticated request starts here,
   * so it is one round trip instead of two.
   */
  async findLiveWithUser(
    idHash: string,
    now: number,
  ): Promise<{ session: SessionRow; user: UserRow } | undefined> {
    if (!this.#joinUser) {
      const session = await this.#live.first({ idHash, now });
      const user = session && (await this.#user.first({ id: session.user_id }));
      return user && { session: session as SessionRow, user };
    }
    const row = await this.#liveWithUser.first({ idHash, now });
    return row && splitSessionAndUser(row);
  }

  /** A second factor was just proven in this session (step-up): the hot path of `/me/verify`. */
  async recordSecondFactor(idHash: string, now: number): Promise<boolean> {
    return (await this.#recordSecondFactor.changes({ idHash, now })) === 1;
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

  /** Ends a user's sessions at one stage, e.g. a setup begun from a link that no longer counts. */
  async removeAtStageForUser(userId: string, stage: SessionRow['stage']): Promise<number> {
    const result = await this.db
      .deleteFrom('sessions')
      .where('user_id', '=', userId)
      .where('stage', '=', stage)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async removeExpired(now: number): Promise<number> {
    const result = await this.db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

/** A second factor was just proven in the session: the hot path of `/me/verify`. */
export function recordSecondFactorQuery(db: QueryCreator<Database>, p: { idHash: string; now: number }) {
  return db
    .updateTable('sessions')
    .set({ second_factor_at: p.now, last_seen_at: p.now })
    .where('id_hash', '=', p.idHash);
}
