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
 * verification, more than the server's own (measured with `npm run bench`). Only the marked
 * statements are named: they are a fixed set, while other queries (searches, admin lists) vary
 * and would pile up on the connection.
 *
 * Connection poolers that hand one client's statements to several server connections
 * (PgBouncer in transaction mode before 1.21) do not keep named statements: docs/deployment.md.
 */
export function prepareMarkedStatements(client: PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
  const DescribedOnce = describedOnceQuery((client.constructor as unknown as { Query: PgQueryClass }).Query);
  const descriptions = new Map<string, Description>();
  const runNamed = (config: QueryConfig): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const submitted = new DescribedOnce(config, descriptions, (error, result) =>
        error ? reject(error) : resolve(result),
      );
      query(submitted);
    });
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
      return await runNamed(named());
    } catch (error) {
      if (!isStalePlan(error)) throw error;
      // Another instance migrated the schema (a rolling upgrade) and a `select *` now returns
      // other columns. Statements prepared before cannot run again: prepare anew under new names,
      // which are described anew.
      generation += 1;
      names.clear();
      return runNamed(named());
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

/** The columns of a statement's rows, as PostgreSQL's RowDescription message gives them. */
interface RowDescription {
  readonly fields: readonly unknown[];
}

/** What of pg's `Query` (pg/lib/query.js) the subclass below builds on. */
interface PgQuery {
  readonly name?: string;
  readonly callback?: unknown;
  _result: PgResult;
  _accumulateRows: unknown;
  prepare(connection: PgConnection): void;
  handleRowDescription(message: RowDescription): void;
}

/** What pg's `Result.addFields` (pg/lib/result.js) sets up from a RowDescription. */
interface PgResult {
  command: unknown;
  fields: unknown;
  _parsers: unknown;
  _prebuiltEmptyResultObject: unknown;
}

/** A statement's columns, and the set-up pg made of them for its results once. */
interface Description {
  readonly message: RowDescription;
  readonly setup: Pick<PgResult, 'fields' | '_parsers' | '_prebuiltEmptyResultObject'> | undefined;
}

/** The set-up of `Result.addFields`, if this pg keeps it where pg 8.23 does. */
function resultSetup(result: PgResult): Description['setup'] {
  const { fields, _parsers, _prebuiltEmptyResultObject } = result;
  if (!Array.isArray(fields) || !Array.isArray(_parsers) || typeof _prebuiltEmptyResultObject !== 'object') {
    return undefined;
  }
  return { fields, _parsers, _prebuiltEmptyResultObject };
}
interface PgConnection {
  describe(message: unknown): void;
}
type PgQueryClass = new (
  config: QueryConfig,
  callback: (error: Error | undefined, result: unknown) => void,
) => PgQuery;
type DescribedOnceQueryClass = new (
  config: QueryConfig,
  descriptions: Map<string, Description>,
  callback: (error: Error | undefined, result: unknown) => void,
) => PgQuery;

const describedOnceClasses = new WeakMap<PgQueryClass, DescribedOnceQueryClass>();

/**
 * pg's `Query`, but a named statement is described once per connection. pg sends a Describe on
 * every execute, so every run of the session lookup had PostgreSQL describe its ~29 columns and
 * the client parse that and build their row parsers again: 12% of the server's main thread on an
 * authenticated request (measured with `npm run bench`). The columns of a prepared statement
 * cannot change under it — PostgreSQL refuses to run it instead (`isStalePlan`, and the client
 * then prepares under new names) — so the first run's description serves every later one, and
 * later runs send only Bind, Execute and Sync.
 *
 * The same goes for what pg makes of a description: `Result.addFields` builds the row parsers and
 * an empty row to copy, by spreading a null-prototype object of every column, which V8 can only
 * copy on its slow path (~34,000 instructions a query under callgrind, 9% of a verification's
 * main thread; measured with `npm run bench`). Later runs get the first run's, which pg only
 * reads.
 */
function describedOnceQuery(Query: PgQueryClass): DescribedOnceQueryClass {
  let DescribedOnce = describedOnceClasses.get(Query);
  if (DescribedOnce) return DescribedOnce;
  DescribedOnce = class extends Query {
    readonly #descriptions: Map<string, Description>;

    constructor(
      config: QueryConfig,
      descriptions: Map<string, Description>,
      callback: (error: Error | undefined, result: unknown) => void,
    ) {
      super(config, callback);
      this.#descriptions = descriptions;
    }

    override handleRowDescription(message: RowDescription): void {
      super.handleRowDescription(message);
      if (this.name) this.#descriptions.set(this.name, { message, setup: resultSetup(this._result) });
    }

    override prepare(connection: PgConnection): void {
      const described = this.name && this.#descriptions.get(this.name);
      if (!described) {
        super.prepare(connection);
        return;
      }
      // No RowDescription will come: set the rows' columns up as the first run's did.
      const { setup } = described;
      if (setup && this.callback && this._result.command === null) {
        // What handleRowDescription does for a single statement with a callback, without
        // addFields: no earlier result to keep (`_checkForMultirow`), the rows accumulated.
        Object.assign(this._result, setup);
        this._accumulateRows = this.callback;
      } else {
        super.handleRowDescription(described.message);
      }
      // pg writes Parse (when new), Bind, Describe, Execute and Sync in one go; leave out the
      // Describe, for this one call only.
      const describe = Object.getOwnPropertyDescriptor(connection, 'describe');
      connection.describe = () => {};
      try {
        super.prepare(connection);
      } finally {
        if (describe) Object.defineProperty(connection, 'describe', describe);
        else delete (connection as Partial<PgConnection>).describe;
      }
    }
  };
  describedOnceClasses.set(Query, DescribedOnce);
  return DescribedOnce;
}
