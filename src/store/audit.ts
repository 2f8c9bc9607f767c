import type { Kysely, Selectable } from 'kysely';
import { PreparedQuery } from './prepared.js';
import type { AuditEventsTable, Database } from './schema.js';

export type AuditEventRow = Selectable<AuditEventsTable>;

export interface NewAuditEvent {
  readonly type: string;
  readonly userId?: string | null | undefined;
  readonly actorId?: string | null | undefined;
  readonly ip?: string | null | undefined;
  readonly detail?: Readonly<Record<string, unknown>>;
  readonly at: number;
}

/**
 * The largest event id there can be: the column is PostgreSQL's `integer` (SQLite's rowid goes
 * further, but the log must move between engines). A larger number cannot even be compared
 * with it there (SQLSTATE 22003), so callers must refuse or drop it.
 */
export const AUDIT_EVENT_ID_MAX = 2_147_483_647;

export interface ListAuditOptions {
  readonly userId?: string | undefined;
  readonly type?: string | undefined;
  /** Only events with a smaller id: for paging backwards through history. */
  readonly beforeId?: number | undefined;
  readonly limit?: number;
}

export class AuditRepository {
  readonly #insert: PreparedQuery<AuditRowValues, unknown>;

  constructor(private readonly db: Kysely<Database>) {
    // Every verification and login appends an event: compiled once.
    this.#insert = new PreparedQuery(db, (p) => appendAuditQuery(db, p));
  }

  async append(event: NewAuditEvent): Promise<void> {
    await this.#insert.execute(auditRow(event));
  }

  /** Newest first. */
  async list(options: ListAuditOptions = {}): Promise<AuditEventRow[]> {
    let query = this.db.selectFrom('audit_events').selectAll().orderBy('id', 'desc');
    if (options.userId) query = query.where('user_id', '=', options.userId);
    if (options.type) query = query.where('type', '=', options.type);
    if (options.beforeId !== undefined) query = query.where('id', '<', options.beforeId);
    return query.limit(options.limit ?? 100).execute();
  }
}

export type AuditRowValues = Omit<AuditEventRow, 'id'>;

/** An event as the row `appendAuditQuery` inserts. */
export function auditRow(event: NewAuditEvent): AuditRowValues {
  return {
    created_at: event.at,
    type: event.type,
    user_id: event.userId ?? null,
    actor_id: event.actorId ?? null,
    ip: event.ip ?? null,
    detail: JSON.stringify(event.detail ?? {}),
  };
}

export function appendAuditQuery(db: Kysely<Database>, p: AuditRowValues) {
  return db.insertInto('audit_events').values({
    created_at: p.created_at,
    type: p.type,
    user_id: p.user_id,
    actor_id: p.actor_id,
    ip: p.ip,
    detail: p.detail,
  });
}
