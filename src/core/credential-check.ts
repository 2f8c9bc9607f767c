import type { ServiceRow, Store, UserRow } from '../store/index.js';
import { type Amr, addAmr, parseAmr } from './amr.js';
import type { AuditLog } from './audit.js';
import type { Clock } from './clock.js';
import { TwofoldError } from './errors.js';
import type { SecondFactor, SecondFactorProof } from './second-factor.js';
import type { ServiceAccess } from './service-access.js';
import { ACR_BY_LEVEL, type AssuranceLevel, levelOf } from './service-policy.js';
import type { SignIn } from './sign-in.js';

/**
 * Why a check failed, as the validate API and RADIUS report it:
 * - `invalid_credentials`: wrong password, or no such account (the same answer for both);
 * - `invalid_code`: the code is wrong, already used, or the account has none to check;
 * - `code_required`: the password was right, and this service needs a second factor too;
 * - `no_second_factor`: this service needs a second factor and the person has none set up;
 * - `throttled`: too many failures: wait `retryAfterSeconds`;
 * - `locked`: the second factor is locked after too many wrong codes (an administrator unlocks
 *   it, or a backup code does).
 */
export type CredentialRefusal =
  | 'invalid_credentials'
  | 'invalid_code'
  | 'code_required'
  | 'no_second_factor'
  | 'throttled'
  | 'locked';

export interface CredentialInput {
  /** The application or RADIUS client asking. */
  readonly service: ServiceRow;
  /** User name or e-mail. */
  readonly login: string;
  /** The password, possibly with the code typed right after it; absent to check a code alone. */
  readonly password?: string | undefined;
  /** The one-time code or backup code, when it comes apart from the password. */
  readonly code?: string | undefined;
  readonly ip?: string | undefined;
}

export type CredentialResult =
  | {
      readonly ok: true;
      readonly user: UserRow;
      /** RFC 8176 methods proven by this check. */
      readonly amr: readonly Amr[];
      readonly acr: string;
      /** Set when a backup code was used: how many are left. */
      readonly backupCodesRemaining?: number;
    }
  | {
      readonly ok: false;
      readonly reason: CredentialRefusal;
      readonly message: string;
      /** Known only once the password was right (RADIUS challenges this person). */
      readonly user?: UserRow;
      readonly retryAfterSeconds?: number;
    };

export interface CredentialCheckDependencies {
  readonly store: Store;
  readonly clock: Clock;
  readonly audit: AuditLog;
  readonly signIn: SignIn;
  readonly secondFactor: SecondFactor;
  readonly serviceAccess: ServiceAccess;
}

/**
 * Checks a person's credentials for a service that has no browser to send to a login page: an
 * application calling the validate API, a RADIUS client. The password goes through the sign-in's
 * own password step and the code through the one second-factor check, so the throttle, the
 * replay rule and the audit are those of the login page: a guess here and a guess there count
 * together, and a code accepted here is refused everywhere after.
 */
export class CredentialCheck {
  constructor(private readonly deps: CredentialCheckDependencies) {}

  async check(input: CredentialInput): Promise<CredentialResult> {
    const { service } = input;
    if (service.kind !== 'application' && service.kind !== 'radius') {
      throw new TwofoldError('forbidden', `"${service.name}" is not an application or a RADIUS client.`);
    }
    try {
      return input.password === undefined ? await this.codeAlone(input) : await this.withPassword(input);
    } catch (error) {
      const refusal = refusalOf(error);
      if (refusal) return refusal;
      throw error;
    }
  }

  /** The password, then — when the service needs it of this person — the code. */
  private async withPassword(input: CredentialInput): Promise<CredentialResult> {
    const { signIn, serviceAccess, audit } = this.deps;
    const { user, devices, appendedCode } = await signIn.checkPassword({
      login: input.login,
      password: input.password as string,
      otp: input.code,
      ip: input.ip,
      service: input.service.name,
    });
    const code = input.code?.trim() || appendedCode;
    const required = await serviceAccess.requiredLevelFor(user, input.service.client_id);
    if (required === 'password' && !code) return this.accepted(input, user, ['pwd']);
    if (devices.length === 0) {
      if (required === 'password') return this.accepted(input, user, ['pwd']);
      await audit.record({
        type: 'login.failed',
        userId: user.id,
        ip: input.ip,
        detail: { reason: 'no_second_factor', service: input.service.name },
      });
      return refused(
        'no_second_factor',
        `${input.service.name} needs a second factor, and this account has none: set one up on the account page first.`,
        user,
      );
    }
    if (!code) {
      return refused('code_required', 'The password is right; now enter your one-time code.', user);
    }
    const proof = await this.verifyCode(input, user, code);
    return this.accepted(input, user, ['pwd', 'otp'], proof);
  }

  /** A code alone: the application checked the password itself, or has none. */
  private async codeAlone(input: CredentialInput): Promise<CredentialResult> {
    const { store } = this.deps;
    const code = input.code?.trim();
    if (!code) {
      throw new TwofoldError('invalid_input', 'Give a one-time code, a password, or both.', {
        field: 'code',
      });
    }
    const user = await store.users.findByLogin(input.login);
    if (!user || user.disabled === 1) {
      return refused('invalid_code', 'The one-time code is not valid.');
    }
    const proof = await this.verifyCode(input, user, code);
    return this.accepted(input, user, ['otp'], proof);
  }

  private async verifyCode(input: CredentialInput, user: UserRow, code: string): Promise<SecondFactorProof> {
    return this.deps.secondFactor.verify(user, code, { ip: input.ip, purpose: 'login' });
  }

  private async accepted(
    input: CredentialInput,
    user: UserRow,
    methods: readonly Amr[],
    proof?: SecondFactorProof,
  ): Promise<CredentialResult> {
    const amr = parseAmr(addAmr('', methods));
    const level: AssuranceLevel = levelOf(amr.join(' ')) ?? 'password';
    const acr = ACR_BY_LEVEL[level];
    await Promise.all([
      this.deps.store.users.recordLogin(user.id, this.deps.clock.now()),
      this.deps.serviceAccess.recordSignIn(user.id, {
        clientId: input.service.client_id,
        amr,
        acr,
        ip: input.ip,
      }),
    ]);
    return {
      ok: true,
      user,
      amr,
      acr,
      ...(proof?.method === 'backup_code' ? { backupCodesRemaining: proof.remaining } : {}),
    };
  }
}

function refused(
  reason: CredentialRefusal,
  message: string,
  user?: UserRow,
  retryAfterSeconds?: number,
): CredentialResult {
  return {
    ok: false,
    reason,
    message,
    ...(user ? { user } : {}),
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  };
}

function refusalOf(error: unknown): CredentialResult | undefined {
  if (!(error instanceof TwofoldError)) return undefined;
  switch (error.code) {
    case 'invalid_credentials':
      return refused('invalid_credentials', error.message);
    case 'invalid_code':
      return refused('invalid_code', error.message);
    case 'throttled':
      return refused('throttled', error.message, undefined, error.retryAfterSeconds);
    case 'locked':
      return refused('locked', error.message);
    default:
      return undefined;
  }
}
