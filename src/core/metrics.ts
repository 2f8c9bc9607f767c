import type { AuditEntry, AuditEventType, AuditLog } from './audit.js';
import type { CredentialResult } from './credential-check.js';
import { TwofoldError } from './errors.js';
import type { Mailer } from './mailer.js';
import type { LoginResult } from './sign-in.js';
import type { ThrottlePolicy } from './throttle.js';

/**
 * Where a sign-in attempt came in: the login pages, the JSON API, the login pages on behalf of an
 * OpenID Connect service, a RADIUS client, an application's validate call.
 */
export const SIGN_IN_PATHS = ['pages', 'api', 'oidc', 'radius', 'validate'] as const;
export type SignInPath = (typeof SIGN_IN_PATHS)[number];

/**
 * How one sign-in attempt (one submitted form or call) ended. `second_factor_required`: the
 * password was right and the code comes next, a step rather than a failure; `wrong_password`
 * covers an unknown account too (the answer is the same for both; `loginFailure` tells them
 * apart); `expired`: the pending login or the challenge ran out; `refused`: any other denial
 * (bad input, no second factor set up); `error`: the attempt failed on our side.
 */
export const SIGN_IN_RESULTS = [
  'ok',
  'second_factor_required',
  'wrong_password',
  'wrong_code',
  'throttled',
  'locked',
  'expired',
  'refused',
  'error',
] as const;
export type SignInResult = (typeof SIGN_IN_RESULTS)[number];

export const SECOND_FACTOR_KINDS = ['totp', 'webauthn', 'backup_code'] as const;
export type SecondFactorKind = (typeof SECOND_FACTOR_KINDS)[number];

/**
 * A second factor that was checked: accepted, wrong, or right but already used (a replayed TOTP
 * step, a WebAuthn key whose counter went back). Attempts refused before any check, while the
 * throttle blocks them, are `throttleRefusal`s instead.
 */
export const SECOND_FACTOR_RESULTS = ['ok', 'wrong', 'replayed'] as const;
export type SecondFactorResult = (typeof SECOND_FACTOR_RESULTS)[number];

/** `wait`: blocked for a while after failures (429); `locked`: until unlocked (423). */
export const THROTTLE_STATES = ['wait', 'locked'] as const;
export type ThrottleState = (typeof THROTTLE_STATES)[number];

export const AUTHENTICATOR_KINDS = ['totp', 'webauthn'] as const;
export type AuthenticatorKind = (typeof AUTHENTICATOR_KINDS)[number];

/**
 * The reasons `login.failed` audit events give, as the use cases write them; anything else is
 * counted as `other`, so a label never takes a value the code did not choose.
 */
export const LOGIN_FAILURE_REASONS = [
  'unknown_user',
  'password',
  'no_password_or_disabled',
  'disabled',
  'second_factor_missing',
  'no_second_factor',
  'code_invalid',
  'code_replayed',
  'backup_code_invalid',
  'passkey_unknown',
  'second_factor_locked',
  'second_factor_throttled',
  'webauthn_challenge',
  'webauthn_origin',
  'webauthn_rp_id',
  'webauthn_unknown_key',
  'webauthn_user_verification',
  'webauthn_counter',
  'webauthn_signature',
  'webauthn_malformed',
  'radius_state_unknown',
  'radius_state_other_user',
  'other',
] as const;
export type LoginFailureReason = (typeof LOGIN_FAILURE_REASONS)[number];

export const MAIL_RESULTS = ['sent', 'failed'] as const;
export type MailResult = (typeof MAIL_RESULTS)[number];

/**
 * What the use cases tell a metrics collector (src/metrics/ implements it with prom-client).
 * Every argument is one of the closed sets above: no user name, address, code or id ever becomes
 * a label, and the number of series stays fixed. Calls are synchronous and must not throw.
 */
export interface Metrics {
  /** One sign-in attempt and how it ended; front-ends call it through `countSignIn`. */
  signIn(path: SignInPath, result: SignInResult): void;
  /** A one-time code, backup code or security-key answer that was checked. */
  secondFactorCheck(kind: SecondFactorKind, result: SecondFactorResult): void;
  /** An attempt refused unchecked because its throttle key was blocked or locked. */
  throttleRefusal(policy: ThrottlePolicy, state: ThrottleState): void;
  /** A `login.failed` audit event's reason, whichever path it came by. */
  loginFailure(reason: LoginFailureReason): void;
  /** A user's second factor became locked after too many failures. */
  secondFactorLocked(): void;
  /** An authenticator became active, or was removed by its owner. */
  authenticatorChanged(kind: AuthenticatorKind, change: 'added' | 'removed'): void;
  /** Every audit event, by type (an administrator's MFA reset is `mfa.reset`). */
  auditEvent(type: AuditEventType): void;
  /** An e-mail handed to the transport, or one it refused. */
  mail(result: MailResult): void;
}

const ignore = () => {};

/** The default: nothing is counted (the CLI's one-off commands, most tests). */
export const noMetrics: Metrics = {
  signIn: ignore,
  secondFactorCheck: ignore,
  throttleRefusal: ignore,
  loginFailure: ignore,
  secondFactorLocked: ignore,
  authenticatorChanged: ignore,
  auditEvent: ignore,
  mail: ignore,
};

/**
 * Runs one sign-in attempt and counts how it ended under `path`, then answers or throws as the
 * attempt did. `resultOf` reads a result the attempt answered with (default: `ok`); a thrown
 * error is read by `signInResultOfError`. The same reading on every path, so a dashboard compares
 * the pages with the API, RADIUS and the validate API.
 */
export async function countSignIn<T>(
  metrics: Metrics,
  path: SignInPath,
  attempt: Promise<T>,
  resultOf: (value: T) => SignInResult = signedIn,
): Promise<T> {
  let value: T;
  try {
    value = await attempt;
  } catch (error) {
    metrics.signIn(path, signInResultOfError(error));
    throw error;
  }
  metrics.signIn(path, resultOf(value));
  return value;
}

const signedIn = (): SignInResult => 'ok';

/** A password login's result (`SignIn.login`): signed in, or the code is missing or was wrong. */
export function loginResultOf(result: LoginResult): SignInResult {
  if (result.outcome === 'signed_in') return 'ok';
  return result.codeWasWrong ? 'wrong_code' : 'second_factor_required';
}

/** The result of a sign-in that threw. */
export function signInResultOfError(error: unknown): SignInResult {
  if (!(error instanceof TwofoldError)) return 'error';
  switch (error.code) {
    case 'invalid_credentials':
      return 'wrong_password';
    case 'invalid_code':
      return 'wrong_code';
    case 'throttled':
      return 'throttled';
    case 'locked':
      return 'locked';
    case 'expired':
    case 'unauthenticated':
      return 'expired';
    case 'unavailable':
    case 'provider_failed':
      return 'error';
    default:
      return 'refused';
  }
}

/**
 * A credential check's result (`CredentialCheck.check`), for the validate API and RADIUS:
 * `countSignIn(core.metrics, 'radius', core.credentialCheck.check(input), credentialResultOf)`.
 */
export function credentialResultOf(result: CredentialResult): SignInResult {
  if (result.ok) return 'ok';
  switch (result.reason) {
    case 'invalid_credentials':
      return 'wrong_password';
    case 'invalid_code':
      return 'wrong_code';
    case 'code_required':
      return 'second_factor_required';
    case 'throttled':
      return 'throttled';
    case 'locked':
      return 'locked';
    default:
      return 'refused';
  }
}

const KNOWN_REASONS: ReadonlySet<string> = new Set(LOGIN_FAILURE_REASONS);

const authenticatorKind = (kind: unknown): AuthenticatorKind | undefined =>
  kind === 'totp' || kind === 'webauthn' ? kind : undefined;

/**
 * Counts what the audit log records as it is written: failure reasons, locks, enrollments and
 * removals, every event by type. Driven by the log, as the security e-mails are, so no use case
 * can forget to count; only values from closed sets reach the metrics.
 */
export function countAuditEvents(audit: AuditLog, metrics: Metrics): void {
  if (metrics === noMetrics) return;
  audit.subscribe((entry: AuditEntry) => {
    metrics.auditEvent(entry.type);
    switch (entry.type) {
      case 'login.failed': {
        const reason = entry.detail?.reason;
        metrics.loginFailure(
          typeof reason === 'string' && KNOWN_REASONS.has(reason) ? (reason as LoginFailureReason) : 'other',
        );
        return;
      }
      case 'second_factor.locked':
        metrics.secondFactorLocked();
        return;
      case 'authenticator.added':
      case 'authenticator.removed': {
        const kind = authenticatorKind(entry.detail?.kind);
        if (kind)
          metrics.authenticatorChanged(kind, entry.type === 'authenticator.added' ? 'added' : 'removed');
        return;
      }
      default:
        return;
    }
  });
}

/** The mailer, with each message counted as sent or failed once the transport has answered. */
export function countedMailer(mailer: Mailer, metrics: Metrics): Mailer {
  if (metrics === noMetrics) return mailer;
  return {
    send: async (message) => {
      try {
        await mailer.send(message);
      } catch (error) {
        metrics.mail('failed');
        throw error;
      }
      metrics.mail('sent');
    },
  };
}
