import { hashPassword, passwordNeedsRehash, verifyAgainstDummy, verifyPassword } from '../security/index.js';
import type { Store, UserRow } from '../store/index.js';
import type { AuditLog } from './audit.js';
import type { Clock } from './clock.js';
import { TwofoldError } from './errors.js';
import { isMfaRequired } from './mfa-policy.js';
import { invalidCode, type SecondFactor, type SecondFactorProof } from './second-factor.js';
import type { ActiveSession, IssuedSession, SessionKind, Sessions } from './sessions.js';
import { type Throttle, throttleKeys } from './throttle.js';

export interface PasswordInput {
  /** User name or e-mail. */
  readonly login: string;
  /** The password, possibly with the one-time code typed right after it (seed 001). */
  readonly password: string;
  /** The code in a field of its own, when the client has one. */
  readonly otp?: string | undefined;
  readonly ip?: string | undefined;
  /** The service asking, for the audit log, when it is not Twofold's own login. */
  readonly service?: string | undefined;
}

export interface LoginInput extends PasswordInput {
  readonly kind: SessionKind;
  readonly userAgent?: string | undefined;
}

/** A password that matched, the person's active factors, and a code typed after the password. */
export interface PasswordProof {
  readonly user: UserRow;
  readonly devices: readonly { readonly kind: string; readonly digits: number | null }[];
  readonly appendedCode: string | undefined;
}

export type LoginResult =
  | {
      readonly outcome: 'signed_in';
      readonly user: UserRow;
      readonly session: IssuedSession;
      readonly proof?: SecondFactorProof;
    }
  /**
   * The password was right but the second factor is missing or wrong. For browsers, `pending`
   * remembers the password step for five minutes so only the code must be entered next.
   */
  | {
      readonly outcome: 'second_factor_required';
      readonly user: UserRow;
      readonly pending: IssuedSession | undefined;
      readonly codeWasWrong: boolean;
    };

export interface SignInDependencies {
  readonly store: Store;
  readonly clock: Clock;
  readonly audit: AuditLog;
  readonly throttle: Throttle;
  readonly sessions: Sessions;
  readonly secondFactor: SecondFactor;
}

/**
 * The longest user name or e-mail address a login may type: no account has a longer one (user
 * names stop at 64 characters, addresses at 254; 320 is an address's parts at their limits). A name
 * that matches no account becomes a throttle key, and PostgreSQL caps an index entry at 2704
 * bytes: bounding it here keeps every caller — page, API, later RADIUS — under that.
 */
export const LOGIN_MAX_LENGTH = 320;

/** One message for a wrong password and an unknown user, so neither reveals which it was. */
export const invalidCredentials = () =>
  new TwofoldError('invalid_credentials', 'Invalid username or password.');

/**
 * Signing in with a password and, when the user has one, a second factor — from the login page
 * and the API alike.
 */
export class SignIn {
  constructor(private readonly deps: SignInDependencies) {}

  async login(input: LoginInput): Promise<LoginResult> {
    const { user, devices, appendedCode } = await this.checkPassword(input);

    if (devices.length === 0) {
      // A required factor not yet enrolled: signed in, but only to enroll (issue 7).
      return this.signIn(user, input, undefined, isMfaRequired(user) ? 'enrollment' : 'full');
    }

    const code = input.otp?.trim() || appendedCode;
    if (code) {
      try {
        const proof = await this.deps.secondFactor.verify(user, code, { ip: input.ip, purpose: 'login' });
        return this.signIn(user, input, proof);
      } catch (error) {
        if (!(error instanceof TwofoldError) || error.code !== 'invalid_code') throw error;
        return this.secondFactorRequired(user, input, true);
      }
    }
    return this.secondFactorRequired(user, input, false);
  }

  /**
   * The password step alone, as every front-end that takes a password runs it — the login page,
   * the API, the validate API and RADIUS — so the throttle per account and per address, the
   * even timing and the audit are the same on each. The password may end in the code (seed 001):
   * `appendedCode` is that code when the password matched without it.
   *
   * @throws {TwofoldError} `invalid_credentials` for a wrong password or an unknown, disabled or
   *   password-less account alike; `throttled` while the account or address must wait.
   */
  async checkPassword(input: PasswordInput): Promise<PasswordProof> {
    const { store, throttle } = this.deps;
    // Before the throttle: no account can match, so there is nothing to count or to slow down.
    if (input.login.length > LOGIN_MAX_LENGTH) {
      throw new TwofoldError(
        'invalid_input',
        `The user name or e-mail address is too long: use at most ${LOGIN_MAX_LENGTH} characters.`,
        { field: 'username' },
      );
    }
    const user = await store.users.findByLogin(input.login);
    // Counted per account, whichever of its name or e-mail was typed (so switching between them
    // earns no extra guesses), and per typed name for accounts that do not exist.
    const accountKey = user ? throttleKeys.passwordUser(user.id) : throttleKeys.passwordAccount(input.login);
    const addressKey = input.ip ? throttleKeys.passwordAddress(input.ip) : undefined;
    if (addressKey) await throttle.check('passwordAddress', addressKey);
    await throttle.reserve('passwordAccount', accountKey);

    if (!user || user.password_hash === null || user.disabled === 1) {
      // The same argon2 work as a real account costs (two checks when the input could end in a
      // code): the answer takes as long either way, so timing tells nothing about the account.
      await verifyAgainstDummy(input.password);
      if (endsInCode(input.password)) await verifyAgainstDummy(input.password);
      await this.recordFailure(user, input, user ? 'no_password_or_disabled' : 'unknown_user', addressKey);
      throw invalidCredentials();
    }

    const devices = await store.authenticators.listActiveFactors(user.id);
    const { passwordOk, appendedCode, checks } = await this.matchPassword(user, input, devices);
    if (!passwordOk) {
      // Without a factor the failure cost one check; with one, two. Even them out, so a wrong
      // password does not tell whether the account has two-factor authentication on.
      if (checks === 1 && endsInCode(input.password)) await verifyAgainstDummy(input.password);
      await this.recordFailure(user, input, 'password', addressKey);
      throw invalidCredentials();
    }
    // Not awaited: it joins the commit of the next write (the code's throttle, or the session),
    // which the answer waits for anyway; a reset that failed would only leave the counter stricter.
    throttle.succeed(accountKey).catch(() => {});
    await this.rehashIfNeeded(user, input.password, appendedCode);
    return { user, devices, appendedCode };
  }

  /** The second step of a browser login: the code for a remembered password step. */
  async completeSecondFactor(pending: ActiveSession, code: string, ip?: string): Promise<IssuedSession> {
    if (pending.row.stage !== 'password') {
      throw new TwofoldError('unauthenticated', 'Your login has expired. Please log in again.');
    }
    const proof = await this.deps.secondFactor.verify(pending.user, code, { ip, purpose: 'login' });
    const now = this.deps.clock.now();
    const session = await this.deps.sessions.rotate(pending, {
      stage: 'full',
      secondFactorAt: now,
      amr: ['otp'],
      flash: backupCodeNotice(proof),
    });
    await this.afterSignIn(pending.user, ip, proof);
    return session;
  }

  /**
   * Password first, then the code. With an active factor and no separate code field, the input
   * is first read as password + code, then as the whole password (a password may end in
   * digits): never more than two argon2 checks per attempt.
   */
  private async matchPassword(
    user: UserRow,
    input: PasswordInput,
    devices: readonly { kind: string; digits: number | null }[],
  ): Promise<{ passwordOk: boolean; appendedCode: string | undefined; checks: number }> {
    const hash = user.password_hash as string;
    const totpDigits = devices.find((d) => d.kind === 'totp')?.digits ?? 6;
    const canHaveAppendedCode = devices.length > 0 && !input.otp?.trim();
    const split = new RegExp(`^([\\s\\S]+?)(\\d{${totpDigits}})$`).exec(input.password);
    let checks = 0;
    if (canHaveAppendedCode && split) {
      checks += 1;
      if (await verifyPassword(hash, split[1]!)) return { passwordOk: true, appendedCode: split[2], checks };
    }
    checks += 1;
    return { passwordOk: await verifyPassword(hash, input.password), appendedCode: undefined, checks };
  }

  /** Ends a session (log out), recording it in the audit log. */
  async logout(session: ActiveSession, context: { ip?: string | undefined } = {}): Promise<void> {
    await this.deps.sessions.end(session);
    await this.deps.audit.record({
      type: 'logout',
      userId: session.user.id,
      ip: context.ip,
      detail: { kind: session.row.kind },
    });
  }

  private async signIn(
    user: UserRow,
    input: LoginInput,
    proof: SecondFactorProof | undefined,
    stage: 'full' | 'enrollment' = 'full',
  ): Promise<LoginResult> {
    const now = this.deps.clock.now();
    const [session] = await Promise.all([
      this.deps.sessions.create({
        userId: user.id,
        kind: input.kind,
        stage,
        secondFactorAt: proof ? now : null,
        amr: proof ? ['pwd', 'otp'] : ['pwd'],
        ip: input.ip,
        userAgent: input.userAgent,
        flash: backupCodeNotice(proof),
      }),
      this.afterSignIn(user, input.ip, proof),
    ]);
    return { outcome: 'signed_in', user, session, ...(proof ? { proof } : {}) };
  }

  private async afterSignIn(user: UserRow, ip: string | undefined, proof: SecondFactorProof | undefined) {
    const now = this.deps.clock.now();
    // Issued together: one commit for both.
    await Promise.all([
      this.deps.store.users.recordLogin(user.id, now),
      this.deps.audit.record({
        type: 'login.succeeded',
        userId: user.id,
        ip,
        detail: {
          method: proof ? proof.method : 'password',
          ...(proof?.method === 'totp' ? { authenticatorId: proof.authenticatorId } : {}),
        },
      }),
    ]);
  }

  private async secondFactorRequired(
    user: UserRow,
    input: LoginInput,
    codeWasWrong: boolean,
  ): Promise<LoginResult> {
    if (!codeWasWrong) {
      await this.deps.audit.record({
        type: 'login.failed',
        userId: user.id,
        ip: input.ip,
        detail: { reason: 'second_factor_missing' },
      });
    }
    const pending =
      input.kind === 'browser'
        ? await this.deps.sessions.create({
            userId: user.id,
            kind: 'browser',
            stage: 'password',
            secondFactorAt: null,
            amr: ['pwd'],
            ip: input.ip,
            userAgent: input.userAgent,
          })
        : undefined;
    return { outcome: 'second_factor_required', user, pending, codeWasWrong };
  }

  private async recordFailure(
    user: UserRow | undefined,
    input: PasswordInput,
    reason: string,
    addressKey: string | undefined,
  ): Promise<void> {
    if (addressKey) await this.deps.throttle.recordFailure('passwordAddress', addressKey);
    await this.deps.audit.record({
      type: 'login.failed',
      userId: user?.id ?? null,
      ip: input.ip,
      detail: input.service ? { reason, service: input.service } : { reason },
    });
  }

  /** OWASP parameters change over time; a successful login is the only moment to re-hash. */
  private async rehashIfNeeded(
    user: UserRow,
    input: string,
    appendedCode: string | undefined,
  ): Promise<void> {
    if (!passwordNeedsRehash(user.password_hash as string)) return;
    const password = appendedCode ? input.slice(0, -appendedCode.length) : input;
    await this.deps.store.users.update(user.id, { password_hash: await hashPassword(password) });
  }
}

export { invalidCode };

/** Whether a typed password could carry an appended six-digit code. */
const endsInCode = (input: string): boolean => /\S\d{6}$/.test(input);

/** Shown on the next page: a used backup code is worth knowing about, and the count left. */
export function backupCodeNotice(proof: SecondFactorProof | undefined): string | null {
  if (proof?.method !== 'backup_code') return null;
  const left = proof.remaining === 1 ? '1 backup code remains' : `${proof.remaining} backup codes remain`;
  return `You signed in with a backup code; it cannot be used again. ${left}.${proof.remaining <= 2 ? ' Generate new backup codes soon.' : ''}`;
}
