import type { Store } from '../store/index.js';
import type { AuditEntry, AuditLog } from './audit.js';
import { mailMessages } from './mail-messages.js';
import type { Mailer, MailMessage } from './mailer.js';

export interface SecurityNoticeDependencies {
  readonly store: Store;
  readonly audit: AuditLog;
  readonly mailer: Mailer;
  readonly issuer: string;
  /** Where a failed delivery is reported; sending never fails the action itself. */
  readonly onError: (error: unknown) => void;
}

/**
 * E-mails the user when something changes how their account is protected (ASVS 6.3.4 spirit):
 * a device added or removed, backup codes used or regenerated, the second factor locked.
 * Driven by the audit log, so no use case can forget to notify.
 */
export class SecurityNotices {
  /** Deliveries under way: tests and shutdown wait for them. */
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly deps: SecurityNoticeDependencies) {
    deps.audit.subscribe((entry) => this.onEvent(entry));
  }

  /** Resolves once every notice started so far has been handed to the mailer. */
  async settled(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  private onEvent(entry: AuditEntry): void {
    if (!entry.userId) return;
    const build = this.messageFor(entry);
    if (!build) return;
    const delivery = this.deliver(entry.userId, build).catch(this.deps.onError);
    this.pending.add(delivery);
    void delivery.finally(() => this.pending.delete(delivery));
  }

  private messageFor(entry: AuditEntry): ((to: string) => MailMessage) | undefined {
    const { issuer } = this.deps;
    const detail = entry.detail ?? {};
    switch (entry.type) {
      case 'authenticator.added':
        return (to) => mailMessages.authenticatorAdded(to, issuer, String(detail.name ?? 'a device'));
      case 'authenticator.removed':
        return (to) => mailMessages.authenticatorRemoved(to, issuer, String(detail.name ?? 'a device'));
      case 'backup_code.used':
        return (to) => mailMessages.backupCodeUsed(to, issuer, Number(detail.remaining ?? 0));
      case 'backup_codes.generated':
        return (to) => mailMessages.backupCodesGenerated(to, issuer);
      case 'mfa.reset':
        return (to) => mailMessages.factorsReset(to, issuer);
      case 'second_factor.locked':
        return (to) => mailMessages.accountLocked(to, issuer);
      default:
        return undefined;
    }
  }

  private async deliver(userId: string, build: (to: string) => MailMessage): Promise<void> {
    const user = await this.deps.store.users.findById(userId);
    if (!user) return;
    await this.deps.mailer.send(build(user.email));
  }
}
