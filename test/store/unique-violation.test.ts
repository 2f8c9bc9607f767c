/**
 * A write that loses a race to a concurrent request runs into a unique index. The store reads
 * which one from each engine's own error (PostgreSQL 23505, SQLite's UNIQUE and PRIMARY KEY
 * constraints), so that core can answer with the 409 its check would have given; one that core
 * does not claim is still a 409 that tells the person to try again, never a 500.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { toPublicError } from '../../src/http/error-handler.js';
import { type Store, uniqueViolation } from '../../src/store/index.js';
import { openTempPostgres } from '../helpers/postgres.js';
import { openTempSqlite } from '../helpers/sqlite-store.js';

const OPENERS = { sqlite: () => openTempSqlite(), postgres: () => openTempPostgres() };

describe.each(Object.keys(OPENERS) as (keyof typeof OPENERS)[])(
  'a unique index refusing a write, on %s',
  (engine) => {
    let store: Store;
    let close: () => Promise<void>;
    beforeEach(async () => {
      ({ store, close } = await OPENERS[engine]());
    });
    afterEach(async () => {
      await close();
    });

    const user = {
      id: 'u1',
      username: 'rita',
      email: 'rita@example.test',
      first_name: '',
      last_name: '',
      password_hash: null,
      is_admin: 0,
      otp_required: 0,
      created_at: 1,
      updated_at: 1,
    };
    const refusalOf = (write: Promise<unknown>) =>
      write.then(
        () => expect.unreachable('the write should have been refused'),
        (error: unknown) => error,
      );

    test('names the table and the columns, for a unique column and for the primary key', async () => {
      await store.users.insert(user);
      const sameEmail = await refusalOf(store.users.insert({ ...user, id: 'u2', username: 'rita2' }));
      expect(uniqueViolation(sameEmail)).toEqual({ table: 'users', columns: ['email'] });
      const sameId = await refusalOf(
        store.users.insert({ ...user, username: 'rita3', email: 'r3@example.test' }),
      );
      expect(uniqueViolation(sameId)).toEqual({ table: 'users', columns: ['id'] });
      // In a transaction too: what the transaction rethrows is the same refusal.
      const inTransaction = await refusalOf(
        store.transaction((tx) => tx.users.insert({ ...user, id: 'u4', email: 'r4@example.test' })),
      );
      expect(uniqueViolation(inTransaction)).toEqual({ table: 'users', columns: ['username'] });
    });

    test('anything else is not one, and one core does not claim is answered 409', async () => {
      expect(uniqueViolation(new Error('UNIQUE constraint failed: users.email'))).toBeUndefined();
      expect(uniqueViolation(undefined)).toBeUndefined();
      await store.users.insert(user);
      const refusal = await refusalOf(store.users.insert({ ...user, id: 'u2', email: 'r2@example.test' }));
      expect(toPublicError(refusal)).toEqual({
        status: 409,
        message: 'Another request changed the same thing at the same moment. Reload the page and try again.',
        reason: 'conflict',
      });
    });
  },
);
