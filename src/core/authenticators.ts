import type { Store, UserRow } from '../store/index.js';
import type { AuditLog } from './audit.js';
import type { Clock } from './clock.js';
import { TwofoldError } from './errors.js';
import { requireRecentAuthentication } from './recent-authentication.js';
import type { ActiveSession } from './sessions.js';
import { type AuthenticatorSummary, summarizeAuthenticator } from './users.js';

export interface AuthenticatorsDependencies {
  readonly store: Store;
  readonly clock: Clock;
  readonly audit: AuditLog;
}

/** Listing and removing a user's own authenticators. */
export class Authenticators {
  constructor(private readonly deps: AuthenticatorsDependencies) {}

  /** Active authenticators, oldest first; pending setups are not devices yet. */
  async list(user: UserRow): Promise<AuthenticatorSummary[]> {
    const rows = await this.deps.store.authenticators.listActiveByUser(user.id);
    return rows.map(summarizeAuthenticator);
  }

  async hasActiveFactor(user: UserRow): Promise<boolean> {
    return (await this.deps.store.authenticators.countActiveByUser(user.id)) > 0;
  }

  /** A sensitive action: refused unless the session proved itself in the last five minutes. */
  async assertMayChangeFactors(session: ActiveSession): Promise<void> {
    requireRecentAuthentication(session, await this.hasActiveFactor(session.user), this.deps.clock);
  }

  /**
   * Removes one of the session user's devices. Sessions stay (seed 000 says nothing of logging
   * out); the device's codes stop working at once because its row and secret are gone.
   */
  async remove(session: ActiveSession, authenticatorId: string, context: { ip?: string | undefined } = {}) {
    await this.assertMayChangeFactors(session);
    const { store, audit } = this.deps;
    const row = await store.authenticators.findById(authenticatorId);
    if (!row || row.user_id !== session.user.id) {
      throw new TwofoldError('not_found', 'No such device on your account.');
    }
    await store.transaction(async (tx) => {
      await tx.authenticators.remove(row.id, session.user.id);
      await audit.record(
        {
          type: 'authenticator.removed',
          userId: session.user.id,
          ip: context.ip,
          detail: { kind: row.kind, authenticatorId: row.id, name: row.name },
        },
        tx,
      );
    });
    return summarizeAuthenticator(row);
  }
}
