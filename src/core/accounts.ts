import { hashPassword, hashToken, randomId, randomToken } from '../security/index.js';
import type { Store, UserRow } from '../store/index.js';
import type { AuditLog } from './audit.js';
import type { Clock } from './clock.js';
import { TwofoldError } from './errors.js';
import { emailTaken, usernameTaken, userTransaction } from './user-conflicts.js';
import {
  type AuthenticatorSummary,
  summarizeAuthenticator,
  summarizeUser,
  type UserSummary,
} from './users.js';
import { checkNewPassword, normalizeEmail, normalizePersonName, normalizeUsername } from './validation.js';

export interface NewUser {
  readonly username: string;
  readonly email: string;
  /** When absent, the user gets a password-setup link instead. */
  readonly password?: string | undefined;
  readonly firstName?: string | undefined;
  readonly lastName?: string | undefined;
  readonly isAdmin?: boolean;
  readonly otpRequired?: boolean;
}

export interface CreatedUser {
  readonly user: UserSummary;
  /** The password-setup link, when the user was created without a password. Shown once. */
  readonly setupUrl: string | undefined;
}

/** A password-setup link: its id (to revoke it) and the URL to send, which holds the token. */
export interface SetupLink {
  readonly id: string;
  readonly url: string;
}

export interface UserDetails extends UserSummary {
  readonly authenticators: readonly AuthenticatorSummary[];
}

export interface AccountsDependencies {
  readonly store: Store;
  readonly clock: Clock;
  readonly audit: AuditLog;
  readonly publicUrl: string;
  readonly setupLinkHours: number;
}

/** Creating, finding and removing user accounts. */
export class Accounts {
  constructor(private readonly deps: AccountsDependencies) {}

  async createUser(input: NewUser, actorId: string | null = null): Promise<CreatedUser> {
    const { store, clock, audit } = this.deps;
    const username = normalizeUsername(input.username);
    const email = normalizeEmail(input.email);
    if (input.password !== undefined) checkNewPassword(input.password);
    const firstName = normalizePersonName(input.firstName, 'first_name');
    const lastName = normalizePersonName(input.lastName, 'last_name');

    // Hash before the transaction: argon2 takes ~20 ms and must not hold the database.
    const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
    const now = clock.now();
    const id = randomId();

    // The checks give the answer in the ordinary case; a request racing this one past them is
    // caught by the unique index, and userTransaction gives the same answer.
    return userTransaction(store, { username, email }, async (tx) => {
      if (await tx.users.findByUsername(username)) throw usernameTaken(username);
      if (await tx.users.findByEmail(email)) throw emailTaken(email);
      await tx.users.insert({
        id,
        username,
        email,
        first_name: firstName,
        last_name: lastName,
        password_hash: passwordHash,
        is_admin: input.isAdmin ? 1 : 0,
        otp_required: input.otpRequired ? 1 : 0,
        created_at: now,
        updated_at: now,
      });
      await audit.record(
        { type: 'user.created', userId: id, actorId, detail: { admin: Boolean(input.isAdmin) } },
        tx,
      );
      const setupUrl = passwordHash === null ? (await this.createSetupLink(tx, id, actorId)).url : undefined;
      const row = await tx.users.findById(id);
      return { user: summarizeUser(row as UserRow), setupUrl };
    });
  }

  /**
   * A single-use link to set a password; only its hash is stored. The user's earlier links are
   * left alone: a link that replaces them does so once its e-mail has gone (`sendSetupEmail` in
   * administration.ts), so a mail server that refuses leaves the user the link they have.
   */
  async createSetupLink(store: Store, userId: string, actorId: string | null): Promise<SetupLink> {
    const { clock, audit, publicUrl, setupLinkHours } = this.deps;
    const now = clock.now();
    const token = randomToken();
    const id = randomId();
    await store.oneTimeLinks.insert({
      id,
      token_hash: hashToken(token),
      user_id: userId,
      purpose: 'password_setup',
      created_at: now,
      expires_at: now + setupLinkHours * 3_600_000,
    });
    await audit.record({ type: 'setup_link.created', userId, actorId }, store);
    return { id, url: `${publicUrl}/setup/${token}` };
  }

  async listUsers(search?: string): Promise<UserSummary[]> {
    const rows = await this.deps.store.users.list({ search });
    return rows.map(summarizeUser);
  }

  async getUser(usernameOrEmail: string): Promise<UserDetails> {
    const row = await this.findUser(usernameOrEmail);
    const authenticators = await this.deps.store.authenticators.listByUser(row.id);
    return { ...summarizeUser(row), authenticators: authenticators.map(summarizeAuthenticator) };
  }

  /** The removal inside the caller's transaction (administration checks the last administrator in it). */
  async removeUserRow(tx: Store, row: UserRow, actorId: string | null): Promise<void> {
    await tx.users.remove(row.id);
    await this.deps.audit.record(
      { type: 'user.removed', userId: row.id, actorId, detail: { username: row.username } },
      tx,
    );
  }

  private async findUser(usernameOrEmail: string): Promise<UserRow> {
    const row = await this.deps.store.users.findByLogin(usernameOrEmail);
    if (!row) throw new TwofoldError('not_found', `No user "${usernameOrEmail}".`);
    return row;
  }
}
