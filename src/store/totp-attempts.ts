import { type Kysely, sql } from 'kysely';
import { type AuditRowValues, appendAuditQuery, auditRow, type NewAuditEvent } from './audit.js';
import { acceptTotpStepQuery, activeTotpQuery, type TotpDeviceRow } from './authenticators.js';
import { isPostgres } from './dialect.js';
import { runSqliteUnit } from './group-commit-dialect.js';
import { PreparedQuery } from './prepared.js';
import type { Database } from './schema.js';
import { recordSecondFactorQuery } from './sessions.js';
import {
  findThrottleQuery,
  type ReserveValues,
  reserveAttemptQuery,
  reserveValues,
  type ThrottleRepository,
  type ThrottleRow,
  type ThrottleSchedule,
  throttleSuccessQuery,
} from './throttles.js';

/** A device and time step a code is valid for: what `TotpAttempt.check` finds. */
export interface TotpMatch {
  readonly authenticatorId: string;
  readonly step: number;
}

export interface TotpAttempt {
  readonly throttleKey: string;
  readonly userId: string;
  readonly now: number;
  readonly schedule: ThrottleSchedule;
  /**
   * Checks the code against the user's active TOTP devices: where it is valid, for a step newer
   * than the device's last. Synchronous and pure (it may run inside a SQLite transaction).
   */
  readonly check: (devices: readonly TotpDeviceRow[]) => readonly TotpMatch[];
  /** A session whose second-factor proof an accepted code renews (step-up with an API token). */
  readonly sessionIdHash?: string | undefined;
  /** The audit event of a success, written with it. */
  readonly audit?: NewAuditEvent | undefined;
}

export type TotpAttemptOutcome =
  /** Not checked: the key is blocked until then, or locked. Not counted either. */
  | { readonly status: 'refused'; readonly blockedUntil: number; readonly locked: boolean }
  | { readonly status: 'accepted'; readonly authenticatorId: string }
  /**
   * Counted as a failure: `failures` in a row, this one included. `replayed`: the code was valid
   * but its step was taken by another request first (RFC 6238 §5.2).
   */
  | { readonly status: 'failed'; readonly failures: number; readonly replayed: boolean };

interface TotpAcceptance {
  readonly authenticatorId: string;
  readonly step: number;
  readonly now: number;
  readonly throttleKey: string;
  /** Also lift a lock: the attempt that reached the lock threshold was right after all. */
  readonly clearLock: boolean;
  readonly sessionIdHash?: string | undefined;
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
 * One TOTP code check with its reads and writes, each engine the fastest way it is safe.
 *
 * The rule on both: no code is checked unless its attempt is counted first or in the same atomic
 * step, so a burst of parallel guesses can have no more of them checked than the throttle allows
 * (RFC 4226 §7.3); and the step is accepted by the conditional UPDATE alone (RFC 6238 §5.2), with
 * what follows from a success — the failures in a row end, the session's proof, the audit event
 * — written only if it was, and with it.
 *
 * SQLite: the whole check is one unit of the group commit (group-commit-sqlite.ts): read the
 * counter, refuse if blocked, read the devices, check, then either accept with the follow-ups or
 * count the failure — synchronously, inside the batch's transaction, so no other attempt on any
 * process runs in between. Checked and counted in one step is as strict as counted first, and a
 * success with no failures before it writes nothing to the counter: on the verify path that was
 * an upsert, a reset, and two more pages per verification in two commits.
 *
 * PostgreSQL: every statement is a round trip, and on loopback the socket write of each costs the
 * server about as much CPU as the query (measured with `npm run bench`); a check was seven
 * statements and five commits. Here it is two, one commit each: the counting upsert with the
 * devices joined to its returned row; then the conditional UPDATE with the follow-ups as
 * data-modifying CTEs guarded by `exists (select from accepted)`. The check runs between them,
 * in the server, as only it can unseal the secrets.
 */
export class TotpAttemptRepository {
  readonly #postgres: boolean;
  /** PostgreSQL: the counting upsert with the device read, compiled once per schedule (its numbers are SQL). */
  readonly #start = new Map<ThrottleSchedule, PreparedQuery<ReserveValues & { userId: string }, StartRow>>();
  readonly #accept: PreparedQuery<AcceptValues, { id: string }>;
  readonly #unit: {
    readonly findThrottle: PreparedQuery<{ key: string }, ThrottleRow>;
    readonly devices: PreparedQuery<{ userId: string }, TotpDeviceRow & { row_id: number }>;
    readonly acceptStep: PreparedQuery<{ rowId: number; id: string; step: number; now: number }, unknown>;
    readonly endFailures: PreparedQuery<{ key: string; now: number }, unknown>;
    readonly proveSession: PreparedQuery<{ idHash: string; now: number }, unknown>;
    readonly audit: PreparedQuery<AuditRowValues, unknown>;
  };

  constructor(
    private readonly db: Kysely<Database>,
    private readonly throttles: ThrottleRepository,
  ) {
    this.#postgres = isPostgres(db);
    this.#accept = new PreparedQuery(db, (p) => acceptQuery(db, p));
    this.#unit = {
      findThrottle: new PreparedQuery(db, (p) => findThrottleQuery(db, p)),
      // SQLite's rowid beside each device: the accept then updates the row the read just found,
      // without another descent through the index on the text id (measured with `npm run bench`).
      devices: new PreparedQuery(db, (p) =>
        activeTotpQuery(db, p).select(sql<number>`authenticators.rowid`.as('row_id')),
      ),
      acceptStep: new PreparedQuery(db, (p) =>
        acceptTotpStepQuery(db, p).where(sql<number>`authenticators.rowid`, '=', p.rowId),
      ),
      endFailures: new PreparedQuery(db, (p) => throttleSuccessQuery(db, p, { clearLock: false })),
      proveSession: new PreparedQuery(db, (p) => recordSecondFactorQuery(db, p)),
      audit: new PreparedQuery(db, (p) => appendAuditQuery(db, p)),
    };
  }

  /** Counts, checks and decides one code (see the class). */
  attempt(attempt: TotpAttempt): Promise<TotpAttemptOutcome> {
    return this.#postgres ? this.#attemptOnPostgres(attempt) : this.#attemptOnSqlite(attempt);
  }

  #attemptOnSqlite(attempt: TotpAttempt): Promise<TotpAttemptOutcome> {
    const { throttleKey, userId, now, schedule, check, sessionIdHash, audit } = attempt;
    const unit = this.#unit;
    const reserve = this.throttles.reserveQuery(schedule);
    return runSqliteUnit(this.db, (run): TotpAttemptOutcome => {
      const counter = run(unit.findThrottle.compile({ key: throttleKey })).rows[0] as ThrottleRow | undefined;
      if (counter && (counter.locked === 1 || counter.blocked_until > now)) {
        return { status: 'refused', blockedUntil: counter.blocked_until, locked: counter.locked === 1 };
      }
      const devices = run(unit.devices.compile({ userId })).rows as (TotpDeviceRow & { row_id: number })[];
      const matches = check(devices);
      for (const match of matches) {
        const rowId = devices.find((device) => device.id === match.authenticatorId)?.row_id ?? 0;
        const accepted = run(
          unit.acceptStep.compile({ rowId, id: match.authenticatorId, step: match.step, now }),
        );
        if (Number(accepted.numAffectedRows) !== 1) continue;
        if (counter && counter.failures > 0) run(unit.endFailures.compile({ key: throttleKey, now }));
        if (sessionIdHash) run(unit.proveSession.compile({ idHash: sessionIdHash, now }));
        if (audit) run(unit.audit.compile(auditRow(audit)));
        return { status: 'accepted', authenticatorId: match.authenticatorId };
      }
      // Not blocked, as read above in this same transaction: the upsert counts it.
      const counted = run(reserve.compile(reserveValues(throttleKey, now, schedule))).rows[0] as {
        failures: number;
      };
      return { status: 'failed', failures: counted.failures, replayed: matches.length > 0 };
    });
  }

  async #attemptOnPostgres(attempt: TotpAttempt): Promise<TotpAttemptOutcome> {
    const { throttleKey, userId, now, schedule, check } = attempt;
    const rows = await this.#startQuery(schedule).rows({
      ...reserveValues(throttleKey, now, schedule),
      userId,
    });
    const first = rows[0];
    // No row: the upsert counted nothing, so the attempt was refused; say why.
    if (!first) {
      const refusal = await this.throttles.refusal(throttleKey, now);
      return { status: 'refused', blockedUntil: refusal.blockedUntil, locked: refusal.locked };
    }
    const failures = first.failures;
    const matches = check(rows.filter((row) => row.id !== null) as TotpDeviceRow[]);
    for (const match of matches) {
      const accepted = await this.#acceptOnPostgres({
        authenticatorId: match.authenticatorId,
        step: match.step,
        now,
        throttleKey,
        // The attempt that reached the lock threshold was counted, and locked, before it was
        // checked; being right, it must not leave the account locked.
        clearLock: schedule.lockAfterFailures !== null && failures >= schedule.lockAfterFailures,
        sessionIdHash: attempt.sessionIdHash,
        audit: attempt.audit,
      });
      if (accepted) return { status: 'accepted', authenticatorId: match.authenticatorId };
    }
    return { status: 'failed', failures, replayed: matches.length > 0 };
  }

  async #acceptOnPostgres(acceptance: TotpAcceptance): Promise<boolean> {
    const { authenticatorId, step, now, throttleKey, clearLock, sessionIdHash, audit } = acceptance;
    const row = audit && auditRow(audit);
    const rows = await this.#accept.rows({
      authenticatorId,
      step,
      now,
      throttleKey,
      clearLock: clearLock ? 1 : 0,
      // No session: an id hash no session has (hashes are 64 hex characters).
      sessionIdHash: sessionIdHash ?? '',
      // No event: a null type, which inserts no row (see acceptQuery).
      auditAt: row?.created_at ?? now,
      auditType: row?.type ?? null,
      auditUserId: row?.user_id ?? null,
      auditActorId: row?.actor_id ?? null,
      auditIp: row?.ip ?? null,
      auditDetail: row?.detail ?? '{}',
    });
    return rows.length === 1;
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
  // Written out: the queries shared with the other paths (recordSecondFactorQuery) are typed
  // without this CTE, so the builder could not name it there.
  const ifAccepted = sql<boolean>`exists (select from "accepted")`;
  return db
    .with('accepted', (qb) =>
      acceptTotpStepQuery(qb, { id: p.authenticatorId, step: p.step, now: p.now }).returning('id'),
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
        .where(ifAccepted)
        .returning('key'),
    )
    .with('proven', (qb) =>
      recordSecondFactorQuery(qb, { idHash: p.sessionIdHash, now: p.now })
        .where(ifAccepted)
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
