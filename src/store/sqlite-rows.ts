import type BetterSqlite3 from 'better-sqlite3';

/** Runs a statement that returns rows, as objects keyed by column name, in column order. */
export interface RowReader {
  all(parameters: readonly unknown[]): Record<string, unknown>[];
  iterate(parameters: readonly unknown[]): IterableIterator<Record<string, unknown>>;
}

type ToRow = (values: readonly unknown[]) => Record<string, unknown>;

/**
 * Reads the statement's rows as arrays and builds each object in JavaScript.
 *
 * better-sqlite3 builds an object row through V8's C++ API, one property at a time: every
 * column name is interned again and every property added on the slow path. Under callgrind that
 * was 15% of the main thread's instructions on the verify path, twice what SQLite spent running
 * the reads (measured with `npm run bench`). A raw row is an array filled by index, and an
 * object literal compiled once per statement gives every row of it the same hidden class.
 *
 * The columns come from our own SQL (names and aliases); each is written as a JSON string key.
 * A key `"__proto__"` in a literal would set the prototype (as better-sqlite3's own rows do with a
 * blob in such a column); it is written as a computed key, which makes an own property.
 */
export function rowReader(statement: BetterSqlite3.Statement): RowReader {
  if (!statement.reader) throw new TypeError('Only a statement that returns rows has a row reader');
  const keys = statement
    .columns()
    .map(({ name }) => (name === '__proto__' ? `[${JSON.stringify(name)}]` : JSON.stringify(name)));
  const toRow = new Function(
    'values',
    `return {${keys.map((key, index) => `${key}: values[${index}]`).join(', ')}};`,
  ) as ToRow;
  statement.raw(true);
  return {
    all: (parameters) => {
      // Spread, not an array: better-sqlite3 reads an array's items one by one through the C++ API.
      const rows = statement.all(...parameters) as unknown[][];
      const objects = new Array<Record<string, unknown>>(rows.length);
      for (let i = 0; i < rows.length; i++) objects[i] = toRow(rows[i]!);
      return objects;
    },
    *iterate(parameters) {
      for (const values of statement.iterate(...parameters)) yield toRow(values as unknown[]);
    },
  };
}
