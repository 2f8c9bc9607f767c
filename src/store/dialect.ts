import { type Kysely, PostgresAdapter } from 'kysely';

/** The few places where SQLite and PostgreSQL differ ask this; everything else is shared. */
export function isPostgres(db: Pick<Kysely<unknown>, 'getExecutor'>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
