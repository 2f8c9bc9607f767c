import { type Kysely, type QueryCreator, type RawBuilder, type Selectable, sql } from 'kysely';
import { PreparedQuery } from './prepared.js';
import type { Database, ThrottlesTable } from './schema.js';

export type ThrottleRow = Selectable<ThrottlesTable>;

/** How failures in a row turn into waiting time (and, for second factors, a lock). */
export interface ThrottleSchedule {
  /** Failures in a row allowed before any wait. */
  readonly freeFailures: number;
  /** The wait after the last free failure; it doubles with every further failure. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Failures in a row that lock until an administrator (or a backup code) clears it. */
  readonly lockAfterFailures: number | null;
  /**
   * A counter left alone this long starts again from zero. For keys that no success resets
   * (a client address), so that old failures do not weigh on it forever.
   */
  readonly forgetAfterMs?: number;
}

export type AttemptReservation =
  | { readonly allowed: true; readonly failures: number }
  | { readonly allowed: false; readonly blockedUntil: number; readonly locked: boolean };

/**
 * Failure counters shared by every process through the database (RFC 4226 §7.3).
 *
 * An attempt is counted *before* the code or password is checked, in one atomic upsert that
 * also refuses it when the key is blocked. Counting afterwards would let a burst of parallel
 * guesses all pass the "not blocked yet" check before any failure is written.
 */
export class ThrottleRepository {
  /** One compiled upsert per schedule: the schedule's numbers are part of the SQL. */
  readonly #reserve = new Map<ThrottleSchedule, PreparedQuery<ReserveValues, { failures: number }>>();
  readonly #succeed: PreparedQuery<{ key: string; now: number }, unknown>;
  readonly #succeedClearingLock: PreparedQuery<{ key: string; now: number }, unknown>;
  readonly #find: PreparedQuery<{ key: string }, ThrottleRow>;

  constructor(private readonly db: Kysely<Database>) {
    this.#succeed = new PreparedQuery(db, (p) => throttleSuccessQuery(db, p, { clearLock: false }));
    this.#succeedClearingLock = new PreparedQuery(db, (p) =>
      throttleSuccessQuery(db, p, { clearLock: true }),
    );
    this.#find = new PreparedQuery(db, (p) => findThrottleQuery(db, p));
  }

  async reserveAttempt(key: string, now: number, schedule: ThrottleSchedule): Promise<AttemptReservation> {
    const row = await this.reserveQuery(schedule).first(reserveValues(key, now, schedule));
    if (row) return { allowed: true, failures: row.failures };
    return this.refusal(key, now);
  }

  /**
   * The counting upsert of `reserveAttempt` for a schedule, compiled once: also for a store
   * operation that runs it among other statements (totp-attempts.ts).
   */
  reserveQuery(schedule: ThrottleSchedule): PreparedQuery<ReserveValues, { failures: number }> {
    let reserve = this.#reserve.get(schedule);
    if (!reserve) {
      reserve = new PreparedQuery<ReserveValues, { failures: number }>(this.db, (p) =>
        reserveAttemptQuery(this.db, p, schedule),
      );
      this.#reserve.set(schedule, reserve);
    }
    return reserve;
  }

  /** Why an attempt that was not counted was refused: the block's end, or the lock. */
  async refusal(key: string, now: number): Promise<AttemptReservation & { allowed: false }> {
    const current = await this.find(key);
    return { allowed: false, blockedUntil: current?.blocked_until ?? now, locked: current?.locked === 1 };
  }

  /** A success: the failures in a row end. A lock is kept unless `clearLock` says otherwise. */
  async recordSuccess(
    key: string,
    now: number,
    options: { readonly clearLock?: boolean } = {},
  ): Promise<void> {
    await (options.clearLock ? this.#succeedClearingLock : this.#succeed).execute({ key, now });
  }

  async find(key: string): Promise<ThrottleRow | undefined> {
    return this.#find.first({ key });
  }

  async clear(key: string): Promise<void> {
    await this.db.deleteFrom('throttles').where('key', '=', key).execute();
  }
}

export type ReserveValues = {
  key: string;
  now: number;
  /** Counters untouched since before this start again (`forgetAfterMs`). */
  forgetBefore: number;
};

/**
 * Counts one attempt in one atomic upsert that also refuses it while the key is blocked: a row
 * comes back (its failures in a row) only when the attempt may go ahead. A query of its own, so
 * that PostgreSQL can run it inside a larger statement (totp-attempts.ts).
 */
export function reserveAttemptQuery(
  db: QueryCreator<Database>,
  p: ReserveValues,
  schedule: ThrottleSchedule,
) {
  const failuresAfter =
    schedule.forgetAfterMs === undefined
      ? sql<number>`throttles.failures + 1`
      : sql<number>`case when throttles.updated_at <= ${p.forgetBefore} then 1 else throttles.failures + 1 end`;
  return db
    .insertInto('throttles')
    .values({
      key: p.key,
      failures: 1,
      blocked_until: blockedUntilFor(sql<number>`1`, p.now, schedule),
      locked: schedule.lockAfterFailures !== null && schedule.lockAfterFailures <= 1 ? 1 : 0,
      updated_at: p.now,
    })
    .onConflict((oc) =>
      oc
        .column('key')
        .doUpdateSet({
          failures: failuresAfter,
          blocked_until: blockedUntilFor(failuresAfter, p.now, schedule),
          locked:
            schedule.lockAfterFailures === null
              ? sql<number>`throttles.locked`
              : sql<number>`case when ${failuresAfter} >= ${schedule.lockAfterFailures} then 1 else throttles.locked end`,
          updated_at: p.now,
        })
        .where('throttles.blocked_until', '<=', p.now)
        .where('throttles.locked', '=', 0),
    )
    .returning('failures');
}

/** A key's counter as it stands. */
export function findThrottleQuery(db: Kysely<Database>, p: { key: string }) {
  return db.selectFrom('throttles').selectAll().where('key', '=', p.key);
}

/** A success: the failures in a row end; a lock too, with `clearLock`, else a locked key is left as it is. */
export function throttleSuccessQuery(
  db: Kysely<Database>,
  p: { key: string; now: number },
  options: { readonly clearLock: boolean },
) {
  const reset = db
    .updateTable('throttles')
    .set({ failures: 0, blocked_until: 0, updated_at: p.now })
    .where('key', '=', p.key);
  return options.clearLock ? reset.set({ locked: 0 }) : reset.where('locked', '=', 0);
}

export function reserveValues(key: string, now: number, schedule: ThrottleSchedule): ReserveValues {
  return { key, now, forgetBefore: schedule.forgetAfterMs === undefined ? 0 : now - schedule.forgetAfterMs };
}

/**
 * The schedule as one SQL `case`, so the new block time is computed in the same statement
 * that counts the failure: no window between counting and blocking.
 */
function blockedUntilFor(
  failures: RawBuilder<number>,
  now: number,
  schedule: ThrottleSchedule,
): RawBuilder<number> {
  const steps: RawBuilder<unknown>[] = [];
  let delay = schedule.baseDelayMs;
  let n = schedule.freeFailures;
  const rungs: { atLeast: number; delay: number }[] = [];
  while (delay < schedule.maxDelayMs) {
    rungs.push({ atLeast: n, delay });
    delay *= 2;
    n += 1;
  }
  rungs.push({ atLeast: n, delay: schedule.maxDelayMs });
  for (const rung of rungs.reverse()) {
    steps.push(sql`when ${failures} >= ${rung.atLeast} then cast(${now} as bigint) + ${rung.delay}`);
  }
  // Explicit casts: PostgreSQL would otherwise type the branches as int4, too small for times.
  return sql<number>`case ${sql.join(steps, sql` `)} else cast(0 as bigint) end`;
}
