import type { Store, UserRow } from '../store/index.js';
import type { Accounts } from './accounts.js';
import type { AuditLog } from './audit.js';
import type { BackupCodeStatus, BackupCodes } from './backup-codes.js';
import type { Clock } from './clock.js';
import { TwofoldError } from './errors.js';
import { mailMessages } from './mail-messages.js';
import type { Mailer } from './mailer.js';
import { isMfaRequired } from './mfa-policy.js';
import { type Throttle, throttleKeys } from './throttle.js';
import { userTransaction } from './user-conflicts.js';
import {
  type AuthenticatorSummary,
  isoTimeOrNull,
  summarizeAuthenticator,
  summarizeUser,
  type UserSummary,
} from './users.js';
import { normalizeEmail, normalizePersonName } from './validation.js';

/** Who asks: an administrator's session, or the operator at the shell (`twofold user …`). */
export type Actor = UserRow | 'cli';

export interface UserProfile extends UserSummary {
  readonly mfaRequired: boolean;
  readonly mfaActive: boolean;
  readonly authenticators: readonly AuthenticatorSummary[];
  readonly backupCodes: BackupCodeStatus;
  readonly secondFactor: {
    readonly failures: number;
    readonly blockedUntil: string | null;
    readonly locked: boolean;
  };
}

export interface UserListPage {
  readonly users: readonly (UserSummary & { readonly mfaActive: boolean })[];
  readonly total: number;
  readonly page: number;
  readonly perPage: number;
}

export interface AdminNewUser {
  readonly username: string;
  readonly email: string;
  readonly firstName?: string | undefined;
  readonly lastName?: string | undefined;
  readonly otpRequired?: boolean;
  readonly isAdmin?: boolean;
}

export interface AdminUserPatch {
  readonly email?: string | undefined;
  readonly firstName?: string | undefined;
  readonly lastName?: string | undefined;
  readonly otpRequired?: boolean | undefined;
  readonly isAdmin?: boolean | undefined;
}

export interface AdministrationDependencies {
  readonly store: Store;
  readonly clock: Clock;
  readonly audit: AuditLog;
  readonly accounts: Accounts;
  readonly backupCodes: BackupCodes;
  readonly throttle: Throttle;
  readonly mailer: Mailer;
  readonly issuer: string;
  readonly setupLinkHours: number;
}

/**
 * What administrators do to other accounts (seed 003). Every action checks the actor, is
 * audited with who did it, and never reveals a secret: profiles show devices, not keys.
 */
export class Administration {
  constructor(private readonly deps: AdministrationDependencies) {}

  async listUsers(
    actor: Actor,
    options: { search?: string; page?: number; perPage?: number } = {},
  ): Promise<UserListPage> {
    this.requireAdmin(actor);
    const perPage = Math.min(Math.max(options.perPage ?? 25, 1), 200);
    const page = Math.max(options.page ?? 1, 1);
    const search = options.search?.trim() || undefined;
    const { store } = this.deps;
    const [rows, total] = await Promise.all([
      store.users.list({ search, offset: (page - 1) * perPage, limit: perPage }),
      store.users.count(search),
    ]);
    const users = await Promise.all(
      rows.map(async (row) => ({
        ...summarizeUser(row),
        mfaActive: (await store.authenticators.countActiveByUser(row.id)) > 0,
      })),
    );
    return { users, total, page, perPage };
  }

  async profile(actor: Actor, userId: string): Promise<UserProfile> {
    this.requireAdmin(actor);
    const { store, backupCodes, throttle } = this.deps;
    const user = await this.findUser(userId);
    const authenticators = (await store.authenticators.listActiveByUser(user.id)).map(summarizeAuthenticator);
    const state = await throttle.state(throttleKeys.secondFactor(user.id));
    const blocked = state && state.blockedUntil > this.deps.clock.now() ? state.blockedUntil : null;
    return {
      ...summarizeUser(user),
      mfaRequired: isMfaRequired(user),
      mfaActive: authenticators.length > 0,
      authenticators,
      backupCodes: await backupCodes.status(user),
      secondFactor: {
        failures: state?.failures ?? 0,
        blockedUntil: isoTimeOrNull(blocked),
        locked: state?.locked ?? false,
      },
    };
  }

  /** "Add User": no password; the user gets a password-setup e-mail (seed 003). */
  async createUser(
    actor: Actor,
    input: AdminNewUser,
  ): Promise<{ profile: UserProfile; setupUrl: string; mailSent: boolean }> {
    this.requireAdmin(actor);
    const created = await this.deps.accounts.createUser(
      {
        username: input.username,
        email: input.email,
        firstName: input.firstName,
        lastName: input.lastName,
        isAdmin: input.isAdmin,
        otpRequired: input.otpRequired,
      },
      actorId(actor),
    );
    const setupUrl = created.setupUrl as string;
    // The user exists either way; a mail server that is down must not turn that into an error.
    // The caller says the mail did not go, and "Send password-setup e-mail" can try again.
    const mailSent = await this.mailSetupLink(created.user.id, setupUrl).then(
      () => true,
      () => false,
    );
    return { profile: await this.profile(actor, created.user.id), setupUrl, mailSent };
  }

  /**
   * "Edit User". Turning "OTP Configured" off removes the user's devices and backup codes, so
   * that turning it on again makes them enroll anew — the seed's remedy for a changed phone.
   * A new e-mail address cancels the password-setup links sent to the old one.
   */
  async updateUser(actor: Actor, userId: string, patch: AdminUserPatch): Promise<UserProfile> {
    this.requireAdmin(actor);
    const { store, clock, audit } = this.deps;
    const found = await this.findUser(userId);
    const newEmail = patch.email === undefined ? undefined : normalizeEmail(patch.email);

    // A concurrent edit can take the new address past the check below: same 409 (user-conflicts.ts).
    await userTransaction(store, { email: newEmail }, async (tx) => {
      const demoting = patch.isAdmin === false;
      const user = await this.currentUser(
        tx,
        found,
        demoting ? 'remove the administrator role of' : undefined,
      );
      const email = newEmail ?? user.email;
      const emailChanged = email !== user.email;
      if (emailChanged) {
        const other = await tx.users.findByEmail(email);
        if (other && other.id !== user.id) {
          throw new TwofoldError('conflict', `A user with the e-mail address "${email}" already exists.`, {
            field: 'email',
          });
        }
      }
      const isAdmin = patch.isAdmin ?? user.is_admin === 1;
      const otpRequired = patch.otpRequired ?? user.otp_required === 1;
      const turningOtpOff = user.otp_required === 1 && !otpRequired;
      const now = clock.now();
      if (emailChanged) {
        // A setup link proves only the mailbox it went to, and the address is corrected because
        // that mailbox was the wrong one: whoever reads it must not finish the setup (enrol their
        // device, choose the password). The links go, and so does a setup begun from one.
        await tx.oneTimeLinks.revokeForUser(user.id, 'password_setup', now);
        await tx.sessions.removeAtStageForUser(user.id, 'setup');
      }
      await tx.users.update(user.id, {
        email,
        first_name:
          patch.firstName === undefined
            ? user.first_name
            : normalizePersonName(patch.firstName, 'first_name'),
        last_name:
          patch.lastName === undefined ? user.last_name : normalizePersonName(patch.lastName, 'last_name'),
        is_admin: isAdmin ? 1 : 0,
        otp_required: otpRequired ? 1 : 0,
        updated_at: now,
      });
      if (turningOtpOff) await this.removeFactors(tx, user, actor);
      await audit.record(
        {
          type: 'user.updated',
          userId: user.id,
          actorId: actorId(actor),
          detail: { emailChanged, admin: isAdmin, otpRequired },
        },
        tx,
      );
      if ((user.otp_required === 1) !== otpRequired) {
        await audit.record(
          {
            type: 'mfa.required_changed',
            userId: user.id,
            actorId: actorId(actor),
            detail: { required: otpRequired },
          },
          tx,
        );
      }
    });
    return this.profile(actor, found.id);
  }

  /** "Reset two-factor": every device and backup code goes; a required factor is enrolled anew at next login. */
  async resetMfa(actor: Actor, userId: string): Promise<UserProfile> {
    this.requireAdmin(actor);
    const user = await this.findUser(userId);
    await this.deps.store.transaction((tx) => this.removeFactors(tx, user, actor));
    return this.profile(actor, user.id);
  }

  /** "Unlock": clears the 100-failure lock and any waiting time on the second factor. */
  async unlock(actor: Actor, userId: string): Promise<UserProfile> {
    this.requireAdmin(actor);
    const { throttle, audit } = this.deps;
    const user = await this.findUser(userId);
    await throttle.succeed(throttleKeys.secondFactor(user.id), { clearLock: true });
    await throttle.succeed(throttleKeys.backupCode(user.id));
    await audit.record({
      type: 'second_factor.unlocked',
      userId: user.id,
      actorId: actorId(actor),
      detail: { by: 'administrator' },
    });
    return this.profile(actor, user.id);
  }

  /**
   * "Send password-setup e-mail": a new single-use link; once the mail server has accepted it,
   * earlier ones stop working. Until then they stay good, so a refused e-mail (503) leaves the
   * user the link they have rather than none.
   */
  async sendSetupEmail(actor: Actor, userId: string): Promise<string> {
    this.requireAdmin(actor);
    const { store, clock, accounts } = this.deps;
    const user = await this.findUser(userId);
    // The links this one replaces are those that existed before it: read first, so two resends
    // at once can each cancel only older links, never each other's.
    const earlier = await store.oneTimeLinks.findUnusedIds(user.id, 'password_setup');
    const link = await accounts.createSetupLink(store, user.id, actorId(actor));
    try {
      await this.mailSetupLink(user.id, link.url);
    } catch (error) {
      // Not delivered as far as anyone can tell: it must not outlive the failure the
      // administrator is shown.
      await store.oneTimeLinks.revoke([link.id], clock.now());
      throw new TwofoldError(
        'unavailable',
        'The e-mail could not be sent: the mail server did not accept it. Try again later.',
        {
          cause: error,
        },
      );
    }
    await store.oneTimeLinks.revoke(earlier, clock.now());
    return link.url;
  }

  /** "Disable user": sessions end at once and no login works until enabled again. */
  async setDisabled(actor: Actor, userId: string, disabled: boolean): Promise<UserProfile> {
    this.requireAdmin(actor);
    const { store, clock, audit } = this.deps;
    const found = await this.findUser(userId);
    await store.transaction(async (tx) => {
      const user = await this.currentUser(tx, found, disabled ? 'disable' : undefined);
      await tx.users.update(user.id, { disabled: disabled ? 1 : 0, updated_at: clock.now() });
      if (disabled) await tx.sessions.removeAllForUser(user.id);
      await audit.record(
        { type: 'user.updated', userId: user.id, actorId: actorId(actor), detail: { disabled } },
        tx,
      );
    });
    return this.profile(actor, found.id);
  }

  async removeUser(actor: Actor, userId: string): Promise<void> {
    this.requireAdmin(actor);
    const found = await this.findUser(userId);
    await this.deps.store.transaction(async (tx) => {
      const user = await this.currentUser(tx, found, 'remove');
      await this.deps.accounts.removeUserRow(tx, user, actorId(actor));
    });
  }

  async auditLog(
    actor: Actor,
    options: { userId?: string; type?: string; beforeId?: number; limit?: number } = {},
  ) {
    this.requireAdmin(actor);
    const rows = await this.deps.store.audit.list({ ...options, limit: Math.min(options.limit ?? 50, 500) });
    return rows.map((row) => ({
      id: row.id,
      at: new Date(row.created_at).toISOString(),
      type: row.type,
      userId: row.user_id,
      actorId: row.actor_id,
      ip: row.ip,
      detail: JSON.parse(row.detail) as Record<string, unknown>,
    }));
  }

  /** Finds a user by id, user name or e-mail (the CLI passes names, the pages ids). */
  async findUser(idOrName: string): Promise<UserRow> {
    const { store } = this.deps;
    const user = (await store.users.findById(idOrName)) ?? (await store.users.findByLogin(idOrName));
    if (!user) throw new TwofoldError('not_found', `No user "${idOrName}".`);
    return user;
  }

  requireAdmin(actor: Actor): void {
    if (actor !== 'cli' && actor.is_admin !== 1) {
      throw new TwofoldError('forbidden', 'Only administrators can do this.');
    }
  }

  private async removeFactors(tx: Store, user: UserRow, actor: Actor): Promise<void> {
    // The user's row first, as a regeneration of backup codes takes it (backup-codes.ts): the
    // same order of locks on PostgreSQL, so the two wait for each other instead of deadlocking,
    // and a set generated meanwhile is deleted here rather than left valid.
    await tx.users.update(user.id, { backup_codes_confirmed: 0 });
    const removed = await tx.authenticators.removeAllForUser(user.id);
    await tx.backupCodes.removeAllForUser(user.id);
    await tx.throttles.clear(throttleKeys.secondFactor(user.id));
    await this.deps.audit.record(
      {
        type: 'mfa.reset',
        userId: user.id,
        actorId: actorId(actor),
        detail: { authenticatorsRemoved: removed },
      },
      tx,
    );
  }

  /**
   * The user as they are now, read in the transaction that is about to change them. With
   * `lastAdminVerb` (a change that takes an administrator away), refuses when they are the only
   * enabled administrator. The count and the write share the transaction, which serializes such
   * changes (`countAdminsForUpdate`): two administrators demoting, disabling or removing each
   * other at once cannot both pass and leave nobody to administer.
   */
  private async currentUser(tx: Store, found: UserRow, lastAdminVerb?: string): Promise<UserRow> {
    const admins = lastAdminVerb === undefined ? undefined : await tx.users.countAdminsForUpdate();
    const user = await tx.users.findById(found.id);
    if (!user) throw new TwofoldError('not_found', `No user "${found.username}".`);
    if (admins !== undefined && user.is_admin === 1 && user.disabled === 0 && admins <= 1) {
      throw new TwofoldError(
        'conflict',
        `Cannot ${lastAdminVerb} ${user.username}: they are the only administrator.`,
      );
    }
    return user;
  }

  private async mailSetupLink(userId: string, url: string): Promise<void> {
    const user = await this.findUser(userId);
    const { mailer, issuer, setupLinkHours } = this.deps;
    await mailer.send(mailMessages.passwordSetup(user.email, issuer, user.username, url, setupLinkHours));
  }
}

const actorId = (actor: Actor): string | null => (actor === 'cli' ? null : actor.id);
