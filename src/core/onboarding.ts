import { hashPassword, hashToken, randomId, randomToken } from '../security/index.js';
import type { OneTimeLinkRow, Store, UserRow } from '../store/index.js';
import type { AuditLog } from './audit.js';
import type { Clock } from './clock.js';
import { TwofoldError } from './errors.js';
import { isMfaRequired } from './mfa-policy.js';
import type { ActiveSession, IssuedSession, Sessions } from './sessions.js';
import { checkNewPassword, normalizeEmail, normalizeUsername } from './validation.js';

export interface OnboardingDependencies {
  readonly store: Store;
  readonly clock: Clock;
  readonly audit: AuditLog;
  readonly sessions: Sessions;
  readonly publicUrl: string;
}

/** How long the first administrator's setup link printed at start-up stays valid. */
export const ADMIN_SETUP_LINK_MS = 24 * 60 * 60_000;

const unusableLink = () =>
  new TwofoldError(
    'expired',
    'This link has expired or has already been used. Ask your administrator to send a new password-setup e-mail.',
  );

/**
 * Arriving through a password-setup link (seed 003): "Click here to continue", then the
 * mobile authenticator when OTP is required, then the password, then backup codes.
 */
export class Onboarding {
  constructor(private readonly deps: OnboardingDependencies) {}

  /** The user a link is for, without using it up (the landing page shows the name). */
  async inspect(token: string): Promise<{ user: UserRow; mfaRequired: boolean }> {
    const { user } = await this.usableLink(token, 'password_setup');
    return { user: user as UserRow, mfaRequired: isMfaRequired(user as UserRow) };
  }

  /**
   * "Click here to continue": uses up the link and opens a `setup` session. The link proves the
   * mailbox, like a password would; a second click finds it used.
   */
  async begin(token: string, context: { ip?: string; userAgent?: string } = {}): Promise<IssuedSession> {
    const { link, user } = await this.usableLink(token, 'password_setup');
    if (!(await this.deps.store.oneTimeLinks.consume(link.id, this.deps.clock.now()))) throw unusableLink();
    return this.deps.sessions.create({
      userId: (user as UserRow).id,
      kind: 'browser',
      stage: 'setup',
      secondFactorAt: null,
      ip: context.ip,
      userAgent: context.userAgent,
    });
  }

  /**
   * The new password, in a `setup` session; when a factor is required it must be enrolled
   * first. Other sessions of the user end (the password was reset under them).
   */
  async setPassword(
    session: ActiveSession,
    input: { password: string; confirmation?: string | undefined; ip?: string | undefined },
  ): Promise<IssuedSession> {
    const { store, clock, audit, sessions } = this.deps;
    if (session.row.stage !== 'setup') {
      throw new TwofoldError(
        'forbidden',
        'Setting a password this way is only possible from a password-setup link.',
      );
    }
    if (
      isMfaRequired(session.user) &&
      (await store.authenticators.countActiveByUser(session.user.id)) === 0
    ) {
      throw new TwofoldError('enrollment_required', 'Set up your mobile authenticator first.');
    }
    if (input.confirmation !== undefined && input.confirmation !== input.password) {
      throw new TwofoldError('invalid_input', 'The passwords do not match.', { field: 'confirmation' });
    }
    checkNewPassword(input.password);
    const hash = await hashPassword(input.password);
    await store.transaction(async (tx) => {
      await tx.users.update(session.user.id, { password_hash: hash, updated_at: clock.now() });
      await tx.sessions.removeAllForUser(session.user.id, session.idHash);
      await audit.record({ type: 'password.set', userId: session.user.id, ip: input.ip }, tx);
    });
    const now = clock.now();
    return sessions.rotate(session, { stage: 'full', authenticatedAt: now });
  }

  /**
   * The first administrator, when the database has none: `serve` prints this link. A new
   * start replaces an unused earlier link.
   */
  async createAdminSetupLink(): Promise<string | undefined> {
    const { store, clock } = this.deps;
    if ((await store.users.countAdmins()) > 0) return undefined;
    const now = clock.now();
    const token = randomToken();
    await store.transaction(async (tx) => {
      await tx.db
        .updateTable('one_time_links')
        .set({ used_at: now })
        .where('purpose', '=', 'admin_setup')
        .where('used_at', 'is', null)
        .execute();
      await tx.oneTimeLinks.insert({
        id: randomId(),
        token_hash: hashToken(token),
        user_id: null,
        purpose: 'admin_setup',
        created_at: now,
        expires_at: now + ADMIN_SETUP_LINK_MS,
      });
    });
    return `${this.deps.publicUrl}/setup/admin/${token}`;
  }

  async inspectAdminLink(token: string): Promise<void> {
    await this.usableLink(token, 'admin_setup');
  }

  /** Creates the first administrator from the start-up link; enrollment of their factor follows. */
  async createFirstAdmin(
    token: string,
    input: { username: string; email: string; password: string; ip?: string; userAgent?: string },
  ): Promise<IssuedSession> {
    const { store, clock, audit, sessions } = this.deps;
    const { link } = await this.usableLink(token, 'admin_setup');
    const username = normalizeUsername(input.username);
    const email = normalizeEmail(input.email);
    checkNewPassword(input.password);
    const hash = await hashPassword(input.password);
    const now = clock.now();
    const id = randomId();
    await store.transaction(async (tx) => {
      if ((await tx.users.countAdmins()) > 0) throw unusableLink();
      if (!(await tx.oneTimeLinks.consume(link.id, now))) throw unusableLink();
      if ((await tx.users.findByUsername(username)) || (await tx.users.findByEmail(email))) {
        throw new TwofoldError('conflict', 'That user name or e-mail address is taken.', {
          field: 'username',
        });
      }
      await tx.users.insert({
        id,
        username,
        email,
        password_hash: hash,
        is_admin: 1,
        created_at: now,
        updated_at: now,
      });
      await audit.record(
        { type: 'user.created', userId: id, ip: input.ip, detail: { admin: true, via: 'setup_link' } },
        tx,
      );
    });
    return sessions.create({
      userId: id,
      kind: 'browser',
      stage: 'enrollment',
      secondFactorAt: null,
      ...context(input),
    });
  }

  private async usableLink(
    token: string,
    purpose: OneTimeLinkRow['purpose'],
  ): Promise<{ link: OneTimeLinkRow; user: UserRow | undefined }> {
    const { store, clock } = this.deps;
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) throw unusableLink();
    const link = await store.oneTimeLinks.findUsable(hashToken(token), clock.now());
    if (!link || link.purpose !== purpose) throw unusableLink();
    const user = link.user_id ? await store.users.findById(link.user_id) : undefined;
    if (purpose === 'password_setup' && (!user || user.disabled === 1)) throw unusableLink();
    return { link, user };
  }
}

const context = (input: { ip?: string; userAgent?: string }) => ({
  ip: input.ip,
  userAgent: input.userAgent,
});
