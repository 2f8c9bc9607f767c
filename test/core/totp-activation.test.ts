/**
 * Activating a TOTP device changes three things that only make sense together: the device
 * turns active, the session that proved it is upgraded (an `enrollment` session becomes `full`),
 * and the `authenticator.added` audit event is written — the event that e-mails the user "a
 * device was added". Written one by one, a database failure after the first (SQLITE_BUSY, a lost
 * PostgreSQL connection) left a device active that the audit log and the user's mailbox never
 * heard of, and an enrollment session stuck short of `full`, while a retry was refused because
 * the device was no longer pending. All of it commits at once or not at all.
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { ActiveSession, MailMessage } from '../../src/core/index.js';
import type { UserRow } from '../../src/store/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let user: UserRow;
let sent: MailMessage[];
beforeEach(async () => {
  sent = [];
  t = await createTestApp({ mailer: { send: async (message) => void sent.push(message) } });
  user = await t.createUser('alice', undefined, { otpRequired: true });
});
afterEach(async () => {
  await t.close();
});

/** A session that has the password and must now enrol the required second factor. */
async function enrollmentSession(): Promise<{ session: ActiveSession; token: string }> {
  const { token } = await t.core.sessions.create({
    userId: user.id,
    kind: 'browser',
    stage: 'enrollment',
    secondFactorAt: null,
  });
  return { session: (await t.core.sessions.resolve(token)) as ActiveSession, token };
}

/** The fault: the audit log refuses this one event, as a database failing at that write would. */
const failAuditOf = (type: string) =>
  sql`create trigger audit_down before insert on audit_events when new.type = ${sql.lit(type)}
      begin select raise(abort, 'audit log unavailable'); end`.execute(t.store.db);

it('a failure at the audit write leaves the device pending and the session as it was; a retry activates it', async () => {
  const { session, token } = await enrollmentSession();
  const enrollment = await t.core.totp.start(user);
  const code = t.codeFor(enrollment.secret);
  const pending = await t.store.authenticators.findById(enrollment.authenticatorId);

  await failAuditOf('authenticator.added');
  await expect(
    t.core.totp.activate(user, enrollment.authenticatorId, { code, name: 'Phone', session }),
  ).rejects.toThrow(/audit log unavailable/);
  await t.core.notices.settled();

  // Not active, no step recorded as used: the same code still proves the device.
  expect(await t.store.authenticators.findById(enrollment.authenticatorId)).toEqual(pending);
  expect(pending).toMatchObject({ status: 'pending' });
  expect((await t.core.sessions.resolve(token))?.row).toMatchObject({
    stage: 'enrollment',
    second_factor_at: null,
  });
  expect(await t.store.audit.list({ type: 'authenticator.added' })).toHaveLength(0);
  expect(sent).toHaveLength(0);

  await sql`drop trigger audit_down`.execute(t.store.db);
  const { authenticator, firstFactor } = await t.core.totp.activate(user, enrollment.authenticatorId, {
    code,
    name: 'Phone',
    session,
  });
  await t.core.notices.settled();

  expect(authenticator).toMatchObject({ id: enrollment.authenticatorId, name: 'Phone' });
  expect(firstFactor).toBe(true);
  expect(await t.store.authenticators.findById(enrollment.authenticatorId)).toMatchObject({
    status: 'active',
  });
  expect((await t.core.sessions.resolve(token))?.row).toMatchObject({
    stage: 'full',
    second_factor_at: t.clock.now(),
  });
  expect(await t.store.audit.list({ type: 'authenticator.added' })).toMatchObject([
    { user_id: user.id, detail: expect.stringContaining('"name":"Phone"') },
  ]);
  expect(sent.map((message) => message.subject)).toEqual(['Twofold: a sign-in device was added']);
});
