import type { CompiledQuery } from 'kysely';

/** What a statement does, read from Kysely's query tree: a label with five values at most. */
export const QUERY_OPERATIONS = ['select', 'insert', 'update', 'delete', 'other'] as const;
export type QueryOperation = (typeof QUERY_OPERATIONS)[number];

/**
 * Told how the database is doing (src/metrics/ implements it). Calls come from the hot path,
 * synchronously, and must be cheap and never throw.
 */
export interface DatabaseObserver {
  /** A statement ran, in this many seconds (on SQLite: the statement itself, not its wait in the batch). */
  query(operation: QueryOperation, seconds: number): void;
  /** SQLite: a group-commit batch committed with this many writes and units. */
  sqliteBatch(writes: number): void;
  /** SQLite: an fsync of the WAL took this many seconds. */
  sqliteFsync(seconds: number): void;
}

/** The operation of a compiled query, without looking at its SQL text. */
export function operationOf(query: CompiledQuery): QueryOperation {
  switch (query.query.kind) {
    case 'SelectQueryNode':
      return 'select';
    case 'InsertQueryNode':
      return 'insert';
    case 'UpdateQueryNode':
      return 'update';
    case 'DeleteQueryNode':
      return 'delete';
    default:
      return 'other';
  }
}
