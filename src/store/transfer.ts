import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * Every table in an order that satisfies the foreign keys (parents first). Audit events are
 * moved without their ids: the target numbers them anew, in the same order.
 */
export const TRANSFER_TABLES = [
  'meta',
  'users',
  'authenticators',
  'backup_codes',
  'sessions',
  'api_tokens',
  'throttles',
  'one_time_links',
  'webauthn_challenges',
  'audit_events',
] as const satisfies readonly (keyof Database)[];

export type TransferTable = (typeof TRANSFER_TABLES)[number];
export type TransferRow = Record<string, unknown>;

const KEY_COLUMN: Record<TransferTable, string> = {
  meta: 'key',
  users: 'id',
  authenticators: 'id',
  backup_codes: 'id',
  sessions: 'id_hash',
  api_tokens: 'id',
  throttles: 'key',
  one_time_links: 'id',
  webauthn_challenges: 'id',
  audit_events: 'id',
};

/** Rows of one table in pages, so a million users never sit in memory at once. */
export async function* readTable(
  db: Kysely<Database>,
  table: TransferTable,
  pageSize = 1000,
): AsyncGenerator<TransferRow[]> {
  const key = KEY_COLUMN[table];
  let after: unknown;
  for (;;) {
    // biome-ignore lint/suspicious/noExplicitAny: the table is chosen at run time from a fixed list.
    let query = (db as Kysely<any>).selectFrom(table).selectAll().orderBy(key).limit(pageSize);
    if (after !== undefined) query = query.where(key, '>', after);
    const rows = (await query.execute()) as TransferRow[];
    if (rows.length === 0) return;
    after = rows[rows.length - 1]![key];
    yield table === 'audit_events' ? rows.map(({ id: _id, ...rest }) => rest) : rows;
    if (rows.length < pageSize) return;
  }
}

export async function countRows(db: Kysely<Database>, table: TransferTable): Promise<number> {
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  const row = await (db as Kysely<any>)
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Inserts rows into one table. With `merge`, rows whose key already exists are kept as they
 * are in the target (audit events, having no key of their own, are all added).
 */
export async function writeRows(
  db: Kysely<Database>,
  table: TransferTable,
  rows: readonly TransferRow[],
  options: { merge: boolean },
): Promise<number> {
  if (rows.length === 0) return 0;
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  const insert = (db as Kysely<any>).insertInto(table).values(rows as TransferRow[]);
  const query =
    options.merge && table !== 'audit_events' ? insert.onConflict((oc) => oc.doNothing()) : insert;
  const result = await query.executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n);
}
