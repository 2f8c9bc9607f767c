import { hashPassword, verifyPassword } from '../security/index.js';
import type { Store } from '../store/index.js';
import type { AuditLog } from './audit.js';
import type { Clock } from './clock.js';
import { TwofoldError } from './errors.js';
import { requireRecentAuthentication } from './recent-authentication.js';
import type { ActiveSession } from './sessions.js';
import { checkNewPassword } from './validation.js';

export interface PasswordChangeInput {
  readonly currentPassword: string;
  readonly newPassword: string;
  /** The new password typed twice, where the client asks for it twice. */
  readonly confirmation?: string | undefined;
  readonly ip?: string | undefined;
}

export interface PasswordsDependencies {
  readonly store: Store;
  readonly clock: Clock;
  readonly audit: AuditLog;
}

/** Changing one's own password: every other session ends, this one stays. */
export class Passwords {
  constructor(private readonly deps: PasswordsDependencies) {}

  async change(session: ActiveSession, input: PasswordChangeInput): Promise<void> {
    const { store, clock, audit } = this.deps;
    const hasFactor = (await store.authenticators.countActiveByUser(session.user.id)) > 0;
    requireRecentAuthentication(session, hasFactor, clock);
    if (input.confirmation !== undefined && input.confirmation !== input.newPassword) {
      throw new TwofoldError('invalid_input', 'The new passwords do not match.', { field: 'confirmation' });
    }
    checkNewPassword(input.newPassword, 'newPassword');
    const hash = session.user.password_hash;
    if (hash === null || !(await verifyPassword(hash, input.currentPassword))) {
      throw new TwofoldError('invalid_input', 'The current password is not right.', {
        field: 'currentPassword',
      });
    }
    const newHash = await hashPassword(input.newPassword);
    await store.transaction(async (tx) => {
      await tx.users.update(session.user.id, { password_hash: newHash, updated_at: clock.now() });
      await tx.sessions.removeAllForUser(session.user.id, session.idHash);
      await audit.record({ type: 'password.changed', userId: session.user.id, ip: input.ip }, tx);
    });
  }
}
