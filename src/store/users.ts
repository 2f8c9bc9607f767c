import { type Insertable, type Kysely, type Selectable, type SqlBool, sql, type Updateable } from 'kysely';
import { isPostgres } from './dialect.js';
import { PreparedQuery } from './prepared.js';
import type { Database, UsersTable } from './schema.js';

export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;
export type UserPatch = Updateable<Omit<UsersTable, 'id' | 'created_at'>>;

export interface ListUsersOptions {
  /** Matched against user name, e-mail and names, case-insensitively. */
  readonly search?: string | undefined;
  readonly offset?: number;
  readonly limit?: number;
}

export class UserRepository {
  readonly #byLogin: PreparedQuery<{ key: string }, UserRow>;
  readonly #recordLogin: PreparedQuery<{ id: string; now: number }, unknown>;

  constructor(private readonly db: Kysely<Database>) {
    // Every login starts and ends with these two (prepared.ts).
    this.#byLogin = new PreparedQuery(db, (p) =>
      db
        .selectFrom('users')
        .selectAll()
        .where((eb) => eb.or([eb('username', '=', p.key), eb('email', '=', p.key)])),
    );
    this.#recordLogin = new PreparedQuery(db, (p) =>
      db.updateTable('users').set({ last_login_at: p.now }).where('id', '=', p.id),
    );
  }

  async insert(user: NewUserRow): Promise<void> {
    await this.db.insertInto('users').values(user).execute();
  }

  async findById(id: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findByUsername(username: string): Promise<UserRow | undefined> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', username.toLowerCase())
      .executeTakeFirst();
  }

  async findByEmail(email: string): Promise<UserRow | undefined> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', email.toLowerCase())
      .executeTakeFirst();
  }

  /** What people type in "Username or email": either one finds the account. */
  async findByLogin(login: string): Promise<UserRow | undefined> {
    return this.#byLogin.first({ key: login.trim().toLowerCase() });
  }

  async recordLogin(id: string, now: number): Promise<void> {
    await this.#recordLogin.execute({ id, now });
  }

  async list(options: ListUsersOptions = {}): Promise<UserRow[]> {
    let query = this.db.selectFrom('users').selectAll().orderBy('username');
    if (options.search) query = query.where(this.searchFilter(options.search));
    return query
      .limit(options.limit ?? 1000)
      .offset(options.offset ?? 0)
      .execute();
  }

  async count(search?: string): Promise<number> {
    let query = this.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n'));
    if (search) query = query.where(this.searchFilter(search));
    const row = await query.executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async countAdmins(): Promise<number> {
    const row = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('is_admin', '=', 1)
      .where('disabled', '=', 0)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * The enabled administrators, counted for a change that may take one away (demote, disable,
   * remove): the count must still hold when that change commits, or two such changes at once
   * both see two administrators and leave none. So it runs only inside the change's transaction.
   * PostgreSQL locks the rows counted (`for update`, in id order so two lockers never deadlock):
   * a second transaction waits here until the first commits, then no longer counts the
   * administrator it took away. SQLite needs no lock: the store's transactions begin immediate
   * (group-commit-sqlite.ts), holding the write lock from their first statement to the end.
   */
  async countAdminsForUpdate(): Promise<number> {
    if (!this.db.isTransaction) throw new TypeError('countAdminsForUpdate needs a transaction');
    const query = this.db
      .selectFrom('users')
      .select('id')
      .where('is_admin', '=', 1)
      .where('disabled', '=', 0)
      .orderBy('id');
    const rows = await (isPostgres(this.db) ? query.forUpdate() : query).execute();
    return rows.length;
  }

  async update(id: string, patch: UserPatch): Promise<boolean> {
    const result = await this.db.updateTable('users').set(patch).where('id', '=', id).executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  /** Removes the user and, by foreign-key cascade, everything that belongs to them. */
  async remove(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows === 1n;
  }

  private searchFilter(search: string) {
    const pattern = `%${search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return sql<SqlBool>`(username like ${pattern} escape '\\' or email like ${pattern} escape '\\'
      or lower(first_name) like ${pattern} escape '\\' or lower(last_name) like ${pattern} escape '\\')`;
  }
}
