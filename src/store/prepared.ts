import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';
import { directDriver } from './group-commit-dialect.js';
import type { Database } from './schema.js';

/**
 * A query built and compiled by Kysely once, then run with new values.
 *
 * Building a Kysely query (its operation tree, frozen, then compiled to SQL) costs more than
 * running the statement on SQLite: ~20–40 µs against ~5–15 µs for the few statements every
 * verification makes. For those, the repository builds the query once with placeholders —
 * `(p) => db.updateTable('x').set({ a: p.a }).where('id', '=', p.id)` — and each call only swaps
 * the values into the compiled parameter list. The SQL stays Kysely's, for either engine.
 */
export class PreparedQuery<Values extends Record<string, unknown>, Row> {
  #compiled: CompiledQuery<Row> | undefined;
  /** The compiled parameter list for these values (see `#compile`). */
  #parameters: ((values: Values) => unknown[]) | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly build: (values: Placeholders<Values>) => Compilable<Row>,
  ) {}

  execute(values: Values): Promise<QueryResult<Row>> {
    const compiled = this.compile(values);
    // SQLite: straight to the group-commit driver, past Kysely's connection provider, whose
    // promises were ~4% of a verification's instructions (measured with `npm run bench`).
    const driver = directDriver(this.db);
    return driver ? (driver.direct(compiled) as Promise<QueryResult<Row>>) : this.db.executeQuery(compiled);
  }

  /** The query with these values, to run elsewhere (a SQLite unit: group-commit-sqlite.ts). */
  compile(values: Values): CompiledQuery<Row> {
    const { query, queryId, sql } = this.#compiled ?? this.#compile();
    // Written out: `{ ...compiled, parameters }` cloned the object and then overwrote a field.
    return { query, queryId, sql, parameters: this.#parameters!(values) };
  }

  async rows(values: Values): Promise<Row[]> {
    return (await this.execute(values)).rows;
  }

  async first(values: Values): Promise<Row | undefined> {
    return (await this.execute(values)).rows[0];
  }

  /** Rows changed by an insert, update or delete. */
  async changes(values: Values): Promise<number> {
    return Number((await this.execute(values)).numAffectedRows ?? 0n);
  }

  #compile(): CompiledQuery<Row> {
    const names = new Map<string, string>();
    const placeholders = new Proxy({} as Placeholders<Values>, {
      get: (_, name) => {
        const marker = `\u0000prepared:${String(name)}\u0000`;
        names.set(marker, String(name));
        return marker;
      },
    });
    const compiled = this.build(placeholders).compile();
    const constants = compiled.parameters;
    const items = constants.map((parameter, index) => {
      const name = typeof parameter === 'string' ? names.get(parameter) : undefined;
      if (name === undefined && typeof parameter === 'string' && parameter.includes('\u0000prepared:')) {
        // A placeholder went through JavaScript (e.g. `p.now + 1`) instead of into the query.
        throw new TypeError(`A prepared query used a placeholder in a computed value: ${compiled.sql}`);
      }
      return name === undefined ? `constants[${index}]` : `values[${JSON.stringify(name)}]`;
    });
    // One function per query, as the row readers (sqlite-rows.ts): each reads its own values
    // object, always of one shape, where a loop shared by every query reads all their shapes.
    // The names are our own code's placeholders, each written as a JSON string.
    const parameters = new Function('constants', `return (values) => [${items.join(', ')}];`)(constants);
    this.#parameters = parameters as (values: Values) => unknown[];
    // Marked, so that PostgreSQL connections prepare it by name (postgres-prepared.ts).
    this.#compiled = { ...compiled, sql: `${PREPARED_SQL_MARK}${compiled.sql}` };
    return this.#compiled;
  }
}

/**
 * Leads the SQL of every PreparedQuery: a comment to both engines. These are a fixed set of hot
 * statements, so a connection may keep each one prepared for its whole life.
 */
export const PREPARED_SQL_MARK = '/* prepared */ ';

/**
 * Stand-ins for the values, typed as the values so the query builder checks them. Name each one
 * (`p.id`): the stand-in object has no keys to spread or iterate.
 */
export type Placeholders<Values> = { readonly [K in keyof Values]: Values[K] };
