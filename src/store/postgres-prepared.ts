import { createHash } from 'node:crypto';
import type { PoolClient, QueryConfig } from 'pg';
import { PREPARED_SQL_MARK } from './prepared.js';

/**
 * Makes a pg client run the statements of `PreparedQuery` (those whose SQL starts with
 * `PREPARED_SQL_MARK`) as named prepared statements: pg parses each once per connection and
 * then only binds and executes it, and PostgreSQL plans it once instead of on every call.
 *
 * Kysely sends every query unnamed, so PostgreSQL parsed and planned the hot path's statements —
 * CTEs with four writes among them — on each verification: 1.8 ms of the database's CPU per
 * verification, more than the server's own (bench/findings.md, fifth pass). Only the marked
 * statements are named: they are a fixed set, while other queries (searches, admin lists) vary
 * and would pile up on the connection.
 *
 * Connection poolers that hand one client's statements to several server connections
 * (PgBouncer in transaction mode before 1.21) do not keep named statements: docs/deployment.md.
 */
export function prepareMarkedStatements(client: PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
  const names = new Map<string, string>();
  let generation = 0;
  const nameFor = (text: string): string => {
    let name = names.get(text);
    if (!name) {
      // Same text, same name: pg checks that a name is never reused for another text.
      name = `tf_${createHash('sha256').update(text).digest('hex').slice(0, 24)}${generation ? `_${generation}` : ''}`;
      names.set(text, name);
    }
    return name;
  };
  (client as { query: unknown }).query = async (config: unknown, values?: unknown, callback?: unknown) => {
    if (typeof config !== 'string' || !config.startsWith(PREPARED_SQL_MARK) || typeof values === 'function') {
      return query(config, values, callback);
    }
    const named = (): QueryConfig => ({ name: nameFor(config), text: config, values: values as unknown[] });
    try {
      return await query(named());
    } catch (error) {
      if (!isStalePlan(error)) throw error;
      // Another instance migrated the schema (a rolling upgrade) and a `select *` now returns
      // other columns. Statements prepared before cannot run again: prepare anew under new names.
      generation += 1;
      names.clear();
      return query(named());
    }
  };
}

/** PostgreSQL's refusal to run a prepared statement whose result columns changed under it. */
function isStalePlan(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === '0A000' &&
    /cached plan must not change result type/.test(String((error as { message?: unknown }).message))
  );
}
