import type { NewAuditEvent, Store } from '../store/index.js';
import type { Clock } from './clock.js';

/** Every kind of event the audit log records. Details never hold secrets, codes or passwords. */
export type AuditEventType =
  | 'user.created'
  | 'user.updated'
  | 'user.removed'
  | 'login.succeeded'
  | 'login.failed'
  | 'logout'
  | 'step_up.succeeded'
  | 'step_up.failed'
  | 'password.changed'
  | 'password.set'
  | 'authenticator.enrollment_started'
  | 'authenticator.added'
  | 'authenticator.removed'
  | 'authenticator.cloned_suspected'
  | 'backup_codes.generated'
  | 'backup_codes.confirmed'
  | 'backup_code.used'
  | 'api_token.created'
  | 'api_token.revoked'
  | 'second_factor.locked'
  | 'second_factor.unlocked'
  | 'mfa.reset'
  | 'mfa.required_changed'
  | 'setup_link.created'
  | 'keys.rotated'
  | 'keys.signing_rotated'
  | 'service.registered'
  | 'service.updated'
  | 'service.removed'
  | 'service.secret_rotated'
  | 'service.signed_in'
  | 'service.mfa_changed'
  | 'service.access_revoked'
  | 'idp.added'
  | 'idp.updated'
  | 'idp.removed'
  | 'idp.linked'
  | 'idp.unlinked'
  | 'external_login.succeeded'
  | 'external_login.failed';

export interface AuditEntry {
  readonly type: AuditEventType;
  readonly userId?: string | null | undefined;
  readonly actorId?: string | null | undefined;
  readonly ip?: string | null | undefined;
  readonly detail?: Readonly<Record<string, string | number | boolean | null>>;
}

export type AuditListener = (entry: AuditEntry) => void;

/**
 * Where this process's actions come from when not from a signed-in person: `cli` for the
 * command line, whose operator has no account and so no actor id.
 */
export type AuditOrigin = 'cli';

export class AuditLog {
  private readonly listeners: AuditListener[] = [];

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly origin?: AuditOrigin,
  ) {}

  /** Appends the event; inside a transaction (`store`), its listeners hear of it once it commits. */
  async record(entry: AuditEntry, store: Store = this.store): Promise<void> {
    await store.audit.append(this.event(entry));
    store.afterCommit(() => this.announce(entry));
  }

  /**
   * The row `record` would append, for a store operation that writes it together with other
   * changes (an accepted code, see second-factor.ts); call `announce` once it is written.
   */
  event(entry: AuditEntry): NewAuditEvent {
    // Without the origin a command-line action would read like the user's own (actor null).
    const detail = this.origin ? { ...entry.detail, via: this.origin } : entry.detail;
    return { ...entry, detail, at: this.clock.now() };
  }

  /** Tells the listeners of an event that is written. */
  announce(entry: AuditEntry): void {
    for (const listener of this.listeners) listener(entry);
  }

  /** Listeners run after the event is written and must not throw (e.g. security e-mails). */
  subscribe(listener: AuditListener): void {
    this.listeners.push(listener);
  }
}
