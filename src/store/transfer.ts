import type { Expression, ExpressionBuilder, Kysely, SqlBool } from 'kysely';
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
  'services',
  'service_preferences',
  'signing_keys',
  'oidc_payloads',
  'identity_providers',
  'linked_identities',
  'external_sign_ins',
  'radius_challenges',
] as const satisfies readonly (keyof Database)[];

export type TransferTable = (typeof TRANSFER_TABLES)[number];
export type TransferRow = Record<string, unknown>;

/** The primary key of each table, by which its rows are read in pages. */
const KEY_COLUMNS: Record<TransferTable, readonly string[]> = {
  meta: ['key'],
  users: ['id'],
  authenticators: ['id'],
  backup_codes: ['id'],
  sessions: ['id_hash'],
  api_tokens: ['id'],
  throttles: ['key'],
  one_time_links: ['id'],
  webauthn_challenges: ['id'],
  audit_events: ['id'],
  services: ['id'],
  service_preferences: ['user_id', 'service_id'],
  signing_keys: ['kid'],
  oidc_payloads: ['model', 'id'],
  identity_providers: ['id'],
  linked_identities: ['provider_id', 'subject'],
  external_sign_ins: ['state_hash'],
  radius_challenges: ['state_hash'],
};

/** Rows of one table in pages, so a million users never sit in memory at once. */
export async function* readTable(
  db: Kysely<Database>,
  table: TransferTable,
  pageSize = 1000,
): AsyncGenerator<TransferRow[]> {
  const keys = KEY_COLUMNS[table];
  let after: TransferRow | undefined;
  for (;;) {
    // biome-ignore lint/suspicious/noExplicitAny: the table is chosen at run time from a fixed list.
    let query = (db as Kysely<any>).selectFrom(table).selectAll().limit(pageSize);
    for (const key of keys) query = query.orderBy(key);
    if (after !== undefined) query = query.where((eb) => pastKey(eb, keys, after as TransferRow));
    const rows = (await query.execute()) as TransferRow[];
    if (rows.length === 0) return;
    after = rows[rows.length - 1]!;
    yield table === 'audit_events' ? rows.map(({ id: _id, ...rest }) => rest) : rows;
    if (rows.length < pageSize) return;
  }
}

/** Rows after `last` in key order: (k1 > v1) or (k1 = v1 and k2 > v2) …, on both engines. */
function pastKey(
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  eb: ExpressionBuilder<any, any>,
  keys: readonly string[],
  last: TransferRow,
): Expression<SqlBool> {
  const [first, ...rest] = keys as [string, ...string[]];
  if (rest.length === 0) return eb(first, '>', last[first]);
  return eb.or([eb(first, '>', last[first]), eb.and([eb(first, '=', last[first]), pastKey(eb, rest, last)])]);
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
