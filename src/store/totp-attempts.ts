import { type Kysely, sql } from 'kysely';
import type { AuditRepository, NewAuditEvent } from './audit.js';
import type { AuthenticatorRepository, TotpDeviceRow } from './authenticators.js';
import { isPostgres } from './dialect.js';
import { PreparedQuery } from './prepared.js';
import type { Database } from './schema.js';
import type { SessionRepository } from './sessions.js';
import {
  type AttemptReservation,
  type ReserveValues,
  reserveAttemptQuery,
  reserveValues,
  type ThrottleRepository,
  type ThrottleSchedule,
} from './throttles.js';

export type TotpAttemptStart =
  | { readonly allowed: true; readonly failures: number; readonly devices: readonly TotpDeviceRow[] }
  | (AttemptReservation & { readonly allowed: false });

export interface TotpAcceptance {
  readonly authenticatorId: string;
  readonly step: number;
  readonly now: number;
  /** The attempt's throttle key: its failures in a row end with the accepted step. */
  readonly throttleKey: string;
  /** Also lift a lock: the attempt that reached the lock threshold was right after all. */
  readonly clearLock: boolean;
  /** A session whose second-factor proof this step renews (step-up with an API login token). */
  readonly sessionIdHash?: string | undefined;
  /** The audit event of the success. */
  readonly audit?: NewAuditEvent | undefined;
}

type AcceptValues = {
  authenticatorId: string;
  step: number;
  now: number;
  throttleKey: string;
  clearLock: number;
  sessionIdHash: string;
  auditAt: number;
  auditType: string | null;
  auditUserId: string | null;
  auditActorId: string | null;
  auditIp: string | null;
  auditDetail: string;
};

/** One device per row; its columns are null on the one row of a user without devices. */
type StartRow = { [K in keyof TotpDeviceRow]: TotpDeviceRow[K] | null } & { failures: number };

/**
 * The reads and writes of one TOTP code check, in as few statements as each engine allows.
 *
 * On PostgreSQL every statement is a round trip, and on loopback the socket write of each one
 * costs the server about as much CPU as the query (bench/findings.md, fifth pass): a check was
 * seven of them and five commits. Here it is two, with one commit each: counting the attempt
 * and reading the devices; then accepting the step with everything that follows from it. The
 * rules are unchanged — the attempt is counted before any code is checked, and the step is
 * accepted by the conditional UPDATE alone (RFC 6238 §5.2) — and the follow-ups are conditioned
 * on that UPDATE inside the same statement, so they happen exactly when it did.
 *
 * SQLite has no round trips, no data-modifying CTEs, and gathers concurrent writes into one
 * commit anyway (group-commit-sqlite.ts): there the same steps are the repositories' statements.
 */
export class TotpAttemptRepository {
  readonly #postgres: boolean;
  /** PostgreSQL: one compiled "count and read" per throttle schedule (its numbers are SQL). */
  readonly #start = new Map<ThrottleSchedule, PreparedQuery<ReserveValues & { userId: string }, StartRow>>();
  readonly #accept: PreparedQuery<AcceptValues, { id: string }>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly repositories: {
      readonly throttles: ThrottleRepository;
      readonly authenticators: AuthenticatorRepository;
      readonly sessions: SessionRepository;
      readonly audit: AuditRepository;
    },
  ) {
    this.#postgres = isPostgres(db);
    this.#accept = new PreparedQuery(db, (p) => acceptQuery(db, p));
  }

  /**
   * Counts the attempt — refused while the key is blocked or locked — and reads the user's active
   * TOTP devices to check the code against. No code may be checked unless this allowed it.
   */
  async start(input: {
    readonly throttleKey: string;
    readonly userId: string;
    readonly now: number;
    readonly schedule: ThrottleSchedule;
  }): Promise<TotpAttemptStart> {
    const { throttleKey, userId, now, schedule } = input;
    const { throttles, authenticators } = this.repositories;
    if (!this.#postgres) {
      const [reservation, devices] = await Promise.all([
        throttles.reserveAttempt(throttleKey, now, schedule),
        authenticators.listActiveTotp(userId),
      ]);
      return reservation.allowed ? { ...reservation, devices } : reservation;
    }
    const rows = await this.#startQuery(schedule).rows({
      ...reserveValues(throttleKey, now, schedule),
      userId,
    });
    // No row: the upsert counted nothing, so the attempt was refused; say why.
    const first = rows[0];
    if (!first) return throttles.refusal(throttleKey, now);
    const devices = rows.filter((row) => row.id !== null) as TotpDeviceRow[];
    return { allowed: true, failures: first.failures, devices };
  }

  /**
   * Accepts time step `step` of the authenticator if it is newer than the last one accepted
   * (RFC 6238 §5.2) and, only if it was, ends the failures in a row, renews the session's proof
   * and appends the audit event. True when this call accepted the step; false when another
   * request already had it (a replay), or the authenticator is gone.
   */
  async accept(acceptance: TotpAcceptance): Promise<boolean> {
    const { authenticatorId, step, now, throttleKey, clearLock, sessionIdHash, audit } = acceptance;
    if (this.#postgres) {
      const rows = await this.#accept.rows({
        authenticatorId,
        step,
        now,
        throttleKey,
        clearLock: clearLock ? 1 : 0,
        // No session: an id hash no session has (hashes are 64 hex characters).
        sessionIdHash: sessionIdHash ?? '',
        auditAt: audit?.at ?? now,
        auditType: audit?.type ?? null,
        auditUserId: audit?.userId ?? null,
        auditActorId: audit?.actorId ?? null,
        auditIp: audit?.ip ?? null,
        auditDetail: JSON.stringify(audit?.detail ?? {}),
      });
      return rows.length === 1;
    }
    const repositories = this.repositories;
    if (!(await repositories.authenticators.acceptTotpStep(authenticatorId, step, now))) return false;
    // Issued together, so they join one group commit.
    await Promise.all([
      repositories.throttles.recordSuccess(throttleKey, now, { clearLock }),
      sessionIdHash && repositories.sessions.recordSecondFactor(sessionIdHash, now),
      audit && repositories.audit.append(audit),
    ]);
    return true;
  }

  #startQuery(schedule: ThrottleSchedule): PreparedQuery<ReserveValues & { userId: string }, StartRow> {
    let query = this.#start.get(schedule);
    if (!query) {
      query = new PreparedQuery<ReserveValues & { userId: string }, StartRow>(this.db, (p) =>
        startQuery(this.db, p, schedule),
      );
      this.#start.set(schedule, query);
    }
    return query;
  }
}

/**
 * PostgreSQL: the counting upsert, and — joined to its one returned row, so only when it
 * counted — the devices. One row per device, or one row without a device when there are none.
 */
function startQuery(db: Kysely<Database>, p: ReserveValues & { userId: string }, schedule: ThrottleSchedule) {
  return db
    .with('reserved', (qb) => reserveAttemptQuery(qb, p, schedule))
    .selectFrom('reserved')
    .leftJoin('authenticators', (join) =>
      join
        .on('authenticators.user_id', '=', p.userId)
        .on('authenticators.status', '=', 'active')
        .on('authenticators.kind', '=', 'totp'),
    )
    .select([
      'reserved.failures',
      'authenticators.id',
      'authenticators.secret_sealed',
      'authenticators.digits',
      'authenticators.period_seconds',
      'authenticators.last_step',
    ]);
}

/**
 * PostgreSQL: the conditional UPDATE that accepts the step, and the writes that depend on it,
 * each guarded by `exists (select from accepted)`. Data-modifying CTEs all run, whatever the
 * main query reads, and see the UPDATE's outcome only through its RETURNING rows: exactly the
 * "only if it was accepted" needed.
 */
function acceptQuery(db: Kysely<Database>, p: AcceptValues) {
  return db
    .with('accepted', (qb) =>
      qb
        .updateTable('authenticators')
        .set({ last_step: p.step, last_used_at: p.now })
        .where('id', '=', p.authenticatorId)
        .where('status', '=', 'active')
        .where('last_step', '<', p.step)
        .returning('id'),
    )
    .with('reset', (qb) =>
      qb
        .updateTable('throttles')
        .set({ failures: 0, blocked_until: 0, locked: 0, updated_at: p.now })
        .where('key', '=', p.throttleKey)
        // A lock stays through a success unless the caller lifts it.
        .where((eb) =>
          eb.or([eb('locked', '=', 0), eb(sql<number>`cast(${p.clearLock} as integer)`, '=', 1)]),
        )
        .where((eb) => eb.exists(eb.selectFrom('accepted').select('accepted.id')))
        .returning('key'),
    )
    .with('proven', (qb) =>
      qb
        .updateTable('sessions')
        .set({ second_factor_at: p.now, last_seen_at: p.now })
        .where('id_hash', '=', p.sessionIdHash)
        .where((eb) => eb.exists(eb.selectFrom('accepted').select('accepted.id')))
        .returning('id_hash'),
    )
    .with('audited', (qb) =>
      qb
        .insertInto('audit_events')
        .columns(['created_at', 'type', 'user_id', 'actor_id', 'ip', 'detail'])
        // Casts: parameters in a SELECT list have no type PostgreSQL could infer.
        .expression((eb) =>
          eb
            .selectFrom('accepted')
            .select([
              sql<number>`cast(${p.auditAt} as bigint)`.as('created_at'),
              sql<string>`cast(${p.auditType} as text)`.as('type'),
              sql<string>`cast(${p.auditUserId} as text)`.as('user_id'),
              sql<string>`cast(${p.auditActorId} as text)`.as('actor_id'),
              sql<string>`cast(${p.auditIp} as text)`.as('ip'),
              sql<string>`cast(${p.auditDetail} as text)`.as('detail'),
            ])
            .where(sql<string>`cast(${p.auditType} as text)`, 'is not', null),
        )
        .returning('id'),
    )
    .selectFrom('accepted')
    .select('accepted.id');
}
