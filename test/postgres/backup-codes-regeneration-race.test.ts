/**
 * "Generate new codes" promises that the old set stops working. On PostgreSQL (READ COMMITTED)
 * two regenerations at once used to break that: the second transaction's DELETE waited for the
 * first's row locks, then could not see the rows the first had just inserted, and inserted its
 * own beside them — two sets valid at once, twice the codes an attacker may guess or find on
 * an old printout. Or, when two codes of the sets shared their 2-character lookup, the second
 * request failed with a 500. Two regenerations for one user must be serialized: afterwards
 * exactly one set works, and both requests answer.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ActiveSession,
  BACKUP_CODE_COUNT,
  Core,
  ManualClock,
  normalizeBackupCode,
} from '../../src/core/index.js';
import { generateMasterKey, Keyring } from '../../src/security/index.js';
import type { UserRow } from '../../src/store/index.js';
import { openTempPostgres } from '../helpers/postgres.js';
import { TEST_EPOCH } from '../helpers/test-app.js';

const PASSWORD = 'correct horse battery';
const ATTEMPTS = 10;

describe('backup codes: two regenerations at once on PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof openTempPostgres>>;
  let core: Core;
  let user: UserRow;
  /** Two sign-ins, as from two browsers: nothing but the user ties the regenerations together. */
  let sessions: ActiveSession[];

  beforeAll(async () => {
    database = await openTempPostgres();
    core = new Core({
      store: database.store,
      keyring: Keyring.fromKeys([generateMasterKey()]),
      clock: new ManualClock(TEST_EPOCH),
      settings: { publicUrl: 'http://localhost:8080', issuer: 'Twofold', setupLinkHours: 72 },
    });
    await core.accounts.createUser({ username: 'alice', email: 'alice@example.test', password: PASSWORD });
    user = (await database.store.users.findByUsername('alice')) as UserRow;
    sessions = [await signIn(), await signIn()];
  }, 30_000);

  afterAll(async () => {
    await database?.close();
  });

  /** No device: a password login just now is the fresh proof regeneration asks for. */
  async function signIn(): Promise<ActiveSession> {
    const login = await core.signIn.login({ login: 'alice', password: PASSWORD, kind: 'api' });
    if (login.outcome !== 'signed_in') throw new Error('expected to sign in');
    return (await core.sessions.resolve(login.session.token)) as ActiveSession;
  }

  /**
   * Both regenerations, held inside their transactions at once. In one process the hashing
   * slots run the two sets' argon2 hashes in turn, so the second transaction would start after
   * the first had committed; two instances behind a load balancer have no such luck. A third
   * connection holds the user's row until both are waiting on a lock, then lets them go.
   */
  async function regenerateTwiceAtOnce(): Promise<PromiseSettledResult<string[]>[]> {
    const blocker = new pg.Client({ connectionString: database.url });
    await blocker.connect();
    try {
      await blocker.query('begin');
      await blocker.query('select id from users where id = $1 for update', [user.id]);
      const answers = Promise.allSettled(sessions.map((session) => core.backupCodes.generate(session)));
      const started = Date.now();
      let waiting = await waitingOnLocks(blocker);
      while (waiting < 2 && Date.now() - started < 10_000) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        waiting = await waitingOnLocks(blocker);
      }
      await blocker.query('commit');
      expect(waiting, 'both regenerations inside their transactions at once').toBe(2);
      return await answers;
    } finally {
      await blocker.end();
    }
  }

  async function waitingOnLocks(client: pg.Client): Promise<number> {
    const { rows } = await client.query<{ n: string }>(
      `select count(*) as n from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`,
    );
    return Number(rows[0]?.n);
  }

  /**
   * A regeneration and an administrator's "Reset two-factor", held at the user's row in that
   * order and then let go. Both take the user's row before the codes: in the other order each
   * would hold what the other waits for, and PostgreSQL would abort one as a deadlock.
   */
  async function regenerateAndResetAtOnce(): Promise<PromiseSettledResult<unknown>[]> {
    const blocker = new pg.Client({ connectionString: database.url });
    await blocker.connect();
    try {
      await blocker.query('begin');
      await blocker.query('select id from users where id = $1 for update', [user.id]);
      const regenerated = core.backupCodes.generate(sessions[0]!);
      const waitFor = async (count: number) => {
        const started = Date.now();
        while ((await waitingOnLocks(blocker)) < count && Date.now() - started < 10_000) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        return waitingOnLocks(blocker);
      };
      expect(await waitFor(1), 'the regeneration waits first').toBe(1);
      const reset = core.administration.resetMfa('cli', user.id);
      expect(await waitFor(2), 'then the reset').toBe(2);
      await blocker.query('commit');
      return await Promise.allSettled([regenerated, reset]);
    } finally {
      await blocker.end();
    }
  }

  /** How many of the codes are accepted; each accepted one is used up. */
  async function usable(codes: readonly string[]): Promise<number> {
    let accepted = 0;
    for (const code of codes) {
      if (await core.backupCodes.consume(user, normalizeBackupCode(code) as string)) accepted += 1;
    }
    return accepted;
  }

  it('leaves exactly one set valid, and neither request fails', async () => {
    for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
      const answers = await regenerateTwiceAtOnce();
      const sets = answers.map((answer) => {
        if (answer.status === 'rejected') throw answer.reason;
        return answer.value;
      });
      expect(await database.store.backupCodes.summary(user.id), `attempt ${attempt + 1}`).toMatchObject({
        total: BACKUP_CODE_COUNT,
        remaining: BACKUP_CODE_COUNT,
      });
      // The set written last is the one that counts; the other answer's codes are refused.
      const counts = [await usable(sets[0]!), await usable(sets[1]!)].sort();
      expect(counts, `attempt ${attempt + 1}`).toEqual([0, BACKUP_CODE_COUNT]);
    }
  }, 120_000);

  it('lets a reset and a regeneration at once both finish, the reset last', async () => {
    const answers = await regenerateAndResetAtOnce();
    for (const answer of answers) if (answer.status === 'rejected') throw answer.reason;
    expect(await database.store.backupCodes.summary(user.id)).toMatchObject({ total: 0 });
  }, 60_000);
});
