/**
 * An audit event's listeners send the security e-mails ("a device was added to your account").
 * Written inside a transaction, the event must be told only once the transaction commits: an
 * e-mail about a device whose registration was then rolled back would tell the person of a
 * change that never happened (and train them to ignore the real ones).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AuditEntry, AuditLog } from '../../src/core/audit.js';
import { ManualClock } from '../../src/core/index.js';
import { openTempSqlite, type TestDatabase } from '../helpers/sqlite-store.js';
import { TEST_EPOCH } from '../helpers/test-app.js';

const added: AuditEntry = { type: 'authenticator.added', userId: null, detail: { kind: 'webauthn' } };

describe('audit listeners and transactions', () => {
  let database: TestDatabase;
  let audit: AuditLog;
  let heard: AuditEntry[];

  beforeEach(async () => {
    database = await openTempSqlite();
    audit = new AuditLog(database.store, new ManualClock(TEST_EPOCH));
    heard = [];
    audit.subscribe((entry) => heard.push(entry));
  });
  afterEach(async () => database.close());

  const stored = async () => (await database.store.audit.list({ type: 'authenticator.added' })).length;

  it('tells the listeners after the commit, not while the transaction is open', async () => {
    await database.store.transaction(async (tx) => {
      await audit.record(added, tx);
      expect(heard).toEqual([]);
    });
    expect(heard).toEqual([added]);
    expect(await stored()).toBe(1);
  });

  it('tells them nothing of an event whose transaction rolled back', async () => {
    await expect(
      database.store.transaction(async (tx) => {
        await audit.record(added, tx);
        throw new Error('the registration failed after its audit event');
      }),
    ).rejects.toThrow(/registration failed/);
    expect(heard).toEqual([]);
    expect(await stored()).toBe(0);
  });

  it('tells them at once outside a transaction', async () => {
    await audit.record(added);
    expect(heard).toEqual([added]);
  });
});
