import { type Store, uniqueViolation } from '../store/index.js';
import { TwofoldError } from './errors.js';

export const usernameTaken = (username: string): TwofoldError =>
  new TwofoldError('conflict', `A user named "${username}" already exists.`, { field: 'username' });

export const emailTaken = (email: string): TwofoldError =>
  new TwofoldError('conflict', `A user with the e-mail address "${email}" already exists.`, {
    field: 'email',
  });

/**
 * `store.transaction` for a write that sets a user name or e-mail address, which its caller has
 * just checked are free. Another request can take one between that check and the commit (the
 * check cannot see its uncommitted row), and the unique index then refuses the write: that
 * refusal becomes the same 409 the check gives, not a database error. The transaction is rolled
 * back whole, so the loser leaves nothing behind.
 */
export async function userTransaction<T>(
  store: Store,
  written: { readonly username?: string | undefined; readonly email?: string | undefined },
  work: (tx: Store) => Promise<T>,
): Promise<T> {
  try {
    return await store.transaction(work);
  } catch (error) {
    const violation = uniqueViolation(error);
    if (violation?.table !== 'users') throw error;
    if (written.username !== undefined && violation.columns.includes('username')) {
      throw usernameTaken(written.username);
    }
    if (written.email !== undefined && violation.columns.includes('email')) throw emailTaken(written.email);
    throw error;
  }
}
