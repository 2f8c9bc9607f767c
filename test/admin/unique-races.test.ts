/**
 * User names and e-mail addresses are unique, and core checks before it writes. Two requests at
 * the same moment can both pass the check — on PostgreSQL under READ COMMITTED, and anywhere
 * when the check is outside the transaction — and the loser then hits the unique index. That
 * used to answer 500; it must be the same 409 the check gives, naming what is taken, with the
 * winner's write intact and nothing half-written by the loser.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { bearer } from '../api/api-helpers.js';
import { ENGINES } from '../helpers/test-app.js';
import { type AdminFixture, adminToken, createAdminFixture } from './admin-helpers.js';

/** Rounds per race: each is two requests at once, and one round that interleaves is enough to fail. */
const ROUNDS = 5;

describe.each(ENGINES)('two administrators at once, on %s', (engine) => {
  let f: AdminFixture;
  let token: string;
  beforeEach(async () => {
    f = await createAdminFixture({ engine });
    token = await adminToken(f);
  });
  afterEach(async () => {
    await f.close();
  });

  const call = (method: 'POST' | 'PATCH', url: string, payload: object) =>
    f.t.app.inject({ method, url, headers: bearer(token), payload });

  /** One 2xx and one 409 with `message`, in either order. */
  function expectOneWins(responses: { statusCode: number; body: string }[], win: number, message: string) {
    const statuses = responses.map((r) => r.statusCode).sort();
    expect(statuses, responses.map((r) => r.body).join('\n')).toEqual([win, 409].sort());
    const loser = responses.find((r) => r.statusCode === 409);
    expect(JSON.parse(loser?.body ?? '{}').error).toMatchObject({ message, code: 409, reason: 'conflict' });
  }

  test('add the same user name: one 201, one 409 "already exists"', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const username = `nina${round}`;
      const responses = await Promise.all(
        ['a', 'b'].map((side) =>
          call('POST', '/api/v1/admin/users', { username, email: `${username}.${side}@example.test` }),
        ),
      );
      expectOneWins(responses, 201, `A user named "${username}" already exists.`);
    }
    // The losers left nothing behind: one user and one "user.created" per round, and root's.
    expect(await f.t.store.users.count()).toBe(ROUNDS + 1);
    expect(await f.t.store.audit.list({ type: 'user.created' })).toHaveLength(ROUNDS + 1);
  });

  test('add the same e-mail address: one 201, one 409 "already exists"', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const email = `olga${round}@example.test`;
      const responses = await Promise.all(
        ['a', 'b'].map((side) =>
          call('POST', '/api/v1/admin/users', { username: `olga${round}${side}`, email }),
        ),
      );
      expectOneWins(responses, 201, `A user with the e-mail address "${email}" already exists.`);
    }
  });

  test('give two users the same new e-mail address: one 200, one 409 "already exists"', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const users = [await f.t.createUser(`paul${round}`), await f.t.createUser(`pia${round}`)];
      const email = `shared${round}@example.test`;
      const responses = await Promise.all(
        users.map((user) => call('PATCH', `/api/v1/admin/users/${user.id}`, { email })),
      );
      expectOneWins(responses, 200, `A user with the e-mail address "${email}" already exists.`);
      const emails = await Promise.all(users.map(async (u) => (await f.t.store.users.findById(u.id))?.email));
      expect(emails.filter((e) => e === email)).toHaveLength(1);
    }
  });

  test('the same, through core: the loser gets the 409, not the database error', async () => {
    const users = [await f.t.createUser('quinn'), await f.t.createUser('quirin')];
    const results = await Promise.allSettled(
      users.map((user) => f.t.core.administration.updateUser(f.admin, user.id, { email: 'q@example.test' })),
    );
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refusal = results.find((r) => r.status === 'rejected')?.reason;
    expect(refusal).toMatchObject({ code: 'conflict', field: 'email' });
  });
});
