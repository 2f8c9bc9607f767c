import { type Kysely, sql } from 'kysely';
import { isPostgres } from '../dialect.js';

/**
 * SQLite: `sessions` and `throttles` become WITHOUT ROWID tables, stored in the B-tree of their
 * primary key. Every request finds its session, and every code its counter, by that key; in a
 * rowid table that is a descent through the key's index and then another through the table. With
 * a million users each B-tree has a level of interior pages the page cache cannot keep, so each
 * descent saved is a read saved (measured with `npm run bench`). Nothing references either
 * table, so each can be rebuilt inside one transaction with foreign keys on.
 *
 * PostgreSQL stores every table as a heap beside its indexes; there is nothing to change.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) return;
  await rebuild(db, 'without rowid');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) return;
  await rebuild(db, '');
}

const SESSION_COLUMNS = [
  'id_hash',
  'user_id',
  'kind',
  'stage',
  'csrf_token',
  'created_at',
  'expires_at',
  'authenticated_at',
  'second_factor_at',
  'last_seen_at',
  'user_agent',
  'ip',
  'flash',
  'backup_codes_sealed',
  'backup_codes_until',
];

const THROTTLE_COLUMNS = ['key', 'failures', 'blocked_until', 'locked', 'updated_at'];

/** Copies both tables into new ones made with `options`, in one transaction: all or nothing. */
async function rebuild(db: Kysely<unknown>, options: '' | 'without rowid'): Promise<void> {
  const tableOptions = sql.raw(options);
  await db.transaction().execute(async (tx) => {
    await sql`
      create table sessions_rebuilt (
        id_hash text primary key,
        user_id text not null references users (id) on delete cascade,
        kind text not null,
        stage text not null,
        csrf_token text not null,
        created_at bigint not null,
        expires_at bigint not null,
        authenticated_at bigint not null,
        second_factor_at bigint,
        last_seen_at bigint not null,
        user_agent text,
        ip text,
        flash text,
        backup_codes_sealed text,
        backup_codes_until bigint
      ) ${tableOptions}`.execute(tx);
    await copy(tx, 'sessions', SESSION_COLUMNS);
    await sql`create index sessions_user on sessions (user_id)`.execute(tx);

    await sql`
      create table throttles_rebuilt (
        key text primary key,
        failures integer not null default 0,
        blocked_until bigint not null default 0,
        locked integer not null default 0,
        updated_at bigint not null
      ) ${tableOptions}`.execute(tx);
    await copy(tx, 'throttles', THROTTLE_COLUMNS);
  });
}

/**
 * Moves every row of `table` into `<table>_rebuilt`, then puts the new table in its place.
 * `columns` starts with the primary key.
 */
async function copy(tx: Kysely<unknown>, table: string, columns: readonly string[]): Promise<void> {
  const list = sql.join(columns.map((column) => sql.ref(column)));
  // In key order, each row lands at the end of the new B-tree instead of on a random page of it.
  await sql`insert into ${sql.table(`${table}_rebuilt`)} (${list})
            select ${list} from ${sql.table(table)} order by ${sql.ref(columns[0]!)}`.execute(tx);
  await sql`drop table ${sql.table(table)}`.execute(tx);
  await sql`alter table ${sql.table(`${table}_rebuilt`)} rename to ${sql.table(table)}`.execute(tx);
}
