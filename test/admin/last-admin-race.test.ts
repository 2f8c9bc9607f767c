/**
 * Twofold refuses to demote, disable or remove the last administrator: with none left, nobody
 * can unlock a locked user, reset a lost phone or add anyone, and the only way back is the
 * shell. The check counts the administrators; if it counts outside the transaction that writes,
 * the two remaining administrators demoting (or disabling, or removing) each other at the same
 * moment both count two, both pass, and none is left. Here such pairs run concurrently on both
 * engines: exactly one wins, the other is refused as the last administrator is, and one remains.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { type Actor, Core, ManualClock } from '../../src/core/index.js';
import { buildApp } from '../../src/http/app.js';
import { generateTotp } from '../../src/otp/index.js';
import { generateMasterKey, Keyring } from '../../src/security/index.js';
import type { Store, UserRow } from '../../src/store/index.js';
import { openTempPostgres } from '../helpers/postgres.js';
import { openTempSqlite } from '../helpers/sqlite-store.js';
import { TEST_EPOCH } from '../helpers/test-app.js';

const PASSWORD = 'correct horse battery';

interface Fixture {
  readonly core: Core;
  readonly store: Store;
  readonly app: Awaited<ReturnType<typeof buildApp>>;
  readonly clock: ManualClock;
  close(): Promise<void>;
}

async function open(engine: 'sqlite' | 'postgres'): Promise<Fixture> {
  const database =
    engine === 'sqlite'
      ? await openTempSqlite({ acknowledgeWrites: 'committed' })
      : { ...(await openTempPostgres()), durable: undefined };
  const clock = new ManualClock(TEST_EPOCH);
  const core = new Core({
    store: database.store,
    keyring: Keyring.fromKeys([generateMasterKey()]),
    clock,
    settings: { publicUrl: 'http://localhost:8080', issuer: 'Twofold', setupLinkHours: 72 },
  });
  const app = await buildApp({ core, logger: false, durable: database.durable });
  return {
    core,
    store: database.store,
    app,
    clock,
    async close() {
      await core.notices.settled();
      await app.close();
      await database.close();
    },
  };
}

describe.each(['sqlite', 'postgres'] as const)('the last administrator, raced (%s)', (engine) => {
  let f: Fixture;
  let ada: UserRow;
  let bob: UserRow;

  /** An administrator with an active TOTP device; returns the row and the device's secret. */
  async function administrator(username: string): Promise<{ row: UserRow; secret: string }> {
    const { user } = await f.core.accounts.createUser({
      username,
      email: `${username}@example.test`,
      password: PASSWORD,
      isAdmin: true,
    });
    const row = (await f.store.users.findById(user.id)) as UserRow;
    const enrollment = await f.core.totp.start(row);
    await f.core.totp.activate(row, enrollment.authenticatorId, {
      code: generateTotp({ secret: enrollment.secret, atMillis: f.clock.now() - 30_000 }),
    });
    return { row, secret: enrollment.secret };
  }

  const secrets = new Map<string, string>();
  beforeEach(async () => {
    f = await open(engine);
    const a = await administrator('ada');
    const b = await administrator('bob');
    ada = a.row;
    bob = b.row;
    secrets.set('ada', a.secret).set('bob', b.secret);
  });
  afterEach(async () => {
    await f.close();
  });

  const enabledAdmins = () => f.store.users.countAdmins();

  /** Runs both at once; exactly one must succeed and the other be the last-administrator refusal. */
  async function race(first: () => Promise<unknown>, second: () => Promise<unknown>) {
    const results = await Promise.allSettled([first(), second()]);
    const refused = results.filter((r) => r.status === 'rejected');
    const outcomes = results.map((r) => (r.status === 'fulfilled' ? 'done' : String(r.reason)));
    expect(refused, outcomes.join('; ')).toHaveLength(1);
    expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({
      code: 'conflict',
      status: 409,
      message: expect.stringMatching(/^Cannot .* (ada|bob): they are the only administrator\.$/),
    });
    expect(await enabledAdmins()).toBe(1);
  }

  const admins = () => f.core.administration;
  const demote = (actor: Actor, target: UserRow) => () =>
    admins().updateUser(actor, target.id, { isAdmin: false });
  const disable = (actor: Actor, target: UserRow) => () => admins().setDisabled(actor, target.id, true);
  const remove = (actor: Actor, target: UserRow) => () => admins().removeUser(actor, target.id);

  test('two administrators demoting each other', async () => {
    await race(demote(ada, bob), demote(bob, ada));
  });

  test('two administrators disabling each other', async () => {
    await race(disable(ada, bob), disable(bob, ada));
  });

  test('two administrators removing each other', async () => {
    await race(remove(ada, bob), remove(bob, ada));
    expect(await f.store.users.count()).toBe(1);
  });

  test('one demoting, one disabling, from the command line', async () => {
    await race(demote('cli', ada), disable('cli', bob));
  });

  test('over the API: two concurrent requests leave one administrator', async () => {
    f.clock.advance(30_000);
    const tokens = new Map<string, string>();
    for (const username of ['ada', 'bob']) {
      const login = await f.app.inject({
        method: 'POST',
        url: '/api/v1/login',
        payload: {
          username,
          password: PASSWORD,
          otp: generateTotp({ secret: secrets.get(username)!, atMillis: f.clock.now() }),
        },
      });
      expect(login.statusCode, login.body).toBe(200);
      tokens.set(username, login.json<{ token: string }>().token);
    }
    const demoteBy = (by: string, target: UserRow) =>
      f.app.inject({
        method: 'PATCH',
        url: `/api/v1/admin/users/${target.id}`,
        headers: { authorization: `Bearer ${tokens.get(by)}` },
        payload: { isAdmin: false },
      });
    const responses = await Promise.all([demoteBy('ada', bob), demoteBy('bob', ada)]);
    const statuses = responses.map((r) => r.statusCode).sort();
    // The loser is refused as the last administrator (409), or, when the winner committed before
    // the loser's request was even authorized, as no longer an administrator (403).
    expect(statuses[0], responses.map((r) => r.body).join('\n')).toBe(200);
    expect([403, 409]).toContain(statuses[1]);
    expect(await enabledAdmins()).toBe(1);
  });
});
