const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  // PostgreSQL SQLSTATE: connection exceptions, and the server shutting down or starting up.
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '57P01',
  '57P02',
  '57P03',
  // SQLite: another writer held the lock past busy_timeout.
  'SQLITE_BUSY',
]);

/**
 * Whether an error means the database cannot be reached right now (as opposed to a bad query):
 * such a request is answered 503 and the pool reconnects by itself once the server is back.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
    if (/Connection terminated|connection timeout|timeout exceeded when trying to connect/i.test(e.message))
      return true;
    if (e instanceof AggregateError && e.errors.some((inner) => isDatabaseUnavailable(inner))) return true;
  }
  return false;
}

/** Which unique index (primary keys included) a write collided with: its table and columns. */
export interface UniqueViolation {
  readonly table: string | undefined;
  readonly columns: readonly string[];
}

const SQLITE_UNIQUE_CODES = new Set(['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);

/**
 * The unique index a write ran into, or undefined when the error is anything else. A check
 * before a write cannot see a concurrent request's uncommitted row (PostgreSQL's READ COMMITTED),
 * so the index is the last word: core turns this into the 409 its own check would have given.
 */
export function uniqueViolation(error: unknown): UniqueViolation | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const { code, table, detail } = e as { code?: unknown; table?: unknown; detail?: unknown };
    // PostgreSQL: `table` is set, and `detail` reads "Key (user_id, lookup)=(…) already exists."
    if (code === '23505') {
      const columns = typeof detail === 'string' ? /^Key \((.+?)\)=/.exec(detail)?.[1] : undefined;
      return {
        table: typeof table === 'string' ? table : undefined,
        columns: columns ? columns.split(', ') : [],
      };
    }
    // SQLite: "UNIQUE constraint failed: backup_codes.user_id, backup_codes.lookup".
    if (typeof code === 'string' && SQLITE_UNIQUE_CODES.has(code)) {
      const names = (/constraint failed: (.+)$/.exec(e.message)?.[1] ?? '').split(', ').filter(Boolean);
      const [table] = names[0]?.split('.') ?? [];
      return { table, columns: names.map((name) => name.slice(name.indexOf('.') + 1)) };
    }
  }
  return undefined;
}
