import { verifyTotp } from '../otp/index.js';
import type { Keyring } from '../security/index.js';
import type { Store, TotpMatch, UserRow } from '../store/index.js';
import type { AuditEntry, AuditLog } from './audit.js';
import { type BackupCodes, normalizeBackupCode } from './backup-codes.js';
import type { Clock } from './clock.js';
import { TwofoldError } from './errors.js';
import { totpSecretContext } from './master-key-check.js';
import { type Metrics, noMetrics } from './metrics.js';
import { THROTTLE_POLICIES, type Throttle, throttleKeys } from './throttle.js';

/** What proved the second factor. */
export type SecondFactorProof =
  | { readonly method: 'totp'; readonly authenticatorId: string }
  | { readonly method: 'backup_code'; readonly position: number; readonly remaining: number };

export interface SecondFactorContext {
  readonly ip?: string | undefined;
  /**
   * Where the code was entered. A step-up's success is audited here, in the same write as the
   * accepted code; a login's is audited by the sign-in once its session exists.
   */
  readonly purpose: 'login' | 'step_up';
  /**
   * The session (hash of its id) whose second-factor proof a step-up renews in place: an API
   * login token, which keeps its value. A browser session gets a new id instead (step-up.ts).
   */
  readonly proveSession?: string | undefined;
}

export interface SecondFactorDependencies {
  readonly store: Store;
  readonly keyring: Keyring;
  readonly clock: Clock;
  readonly audit: AuditLog;
  readonly throttle: Throttle;
  readonly backupCodes: BackupCodes;
  /** Counts each code checked, by kind and result. */
  readonly metrics?: Metrics;
}

export const invalidCode = () =>
  new TwofoldError(
    'invalid_code',
    'The one-time code is not valid. Enter the current code from your device.',
    {
      field: 'otp',
    },
  );

/**
 * Checks a one-time code against every active TOTP device of a user. The one place where codes
 * are accepted, for the login page, the API and step-up alike, so the replay guard and the
 * failure counter are the same for all of them.
 */
export class SecondFactor {
  readonly #metrics: Metrics;

  constructor(private readonly deps: SecondFactorDependencies) {
    this.#metrics = deps.metrics ?? noMetrics;
  }

  async verify(user: UserRow, rawCode: string, context: SecondFactorContext): Promise<SecondFactorProof> {
    const backupCode = normalizeBackupCode(rawCode);
    if (backupCode) return this.verifyBackupCode(user, backupCode, context);
    const { store, keyring, clock, audit } = this.deps;
    const now = clock.now();
    const code = rawCode.replace(/\s+/g, '');
    const success: AuditEntry | undefined =
      context.purpose === 'step_up'
        ? { type: 'step_up.succeeded', userId: user.id, ip: context.ip, detail: { method: 'totp' } }
        : undefined;
    // The store counts the attempt and checks the code in one step, or counts it first: a burst
    // of parallel guesses cannot outrun the counter. The database decides who used a step first
    // (RFC 6238 §5.2), and what follows from a success — the failures in a row end, the session's
    // proof, the audit event — is written with it, and only if it won.
    let usedBefore = false;
    const outcome = await store.totpAttempts.attempt({
      throttleKey: throttleKeys.secondFactor(user.id),
      userId: user.id,
      now,
      schedule: THROTTLE_POLICIES.secondFactor,
      check: (devices) => {
        const matches: TotpMatch[] = [];
        for (const device of devices) {
          const secret = keyring.unseal(device.secret_sealed as string, totpSecretContext(device.id));
          const expected = {
            code,
            secret,
            atMillis: now,
            digits: device.digits ?? 6,
            periodSeconds: device.period_seconds ?? 30,
          };
          const result = verifyTotp({ ...expected, afterTimeStep: device.last_step });
          if (result.valid) matches.push({ authenticatorId: device.id, step: result.timeStep });
          // Refused either way; checked again only to tell a code sent again (a replay the
          // audit and the metrics name) from a wrong one, and only when it was refused.
          else if (!usedBefore) usedBefore = verifyTotp(expected).valid;
          secret.fill(0);
        }
        return matches;
      },
      sessionIdHash: context.proveSession,
      audit: success && audit.event(success),
    });
    if (outcome.status === 'refused') throw this.deps.throttle.refusal('secondFactor', outcome, now);
    if (outcome.status === 'accepted') {
      this.#metrics.secondFactorCheck('totp', 'ok');
      if (success) audit.announce(success);
      return { method: 'totp', authenticatorId: outcome.authenticatorId };
    }
    // Replayed: its step was taken by a request racing this one, or accepted before.
    const replayed = outcome.replayed || usedBefore;
    const { failures } = outcome;
    this.#metrics.secondFactorCheck('totp', replayed ? 'replayed' : 'wrong');

    if (failures >= lockThreshold) {
      await audit.record({
        type: 'second_factor.locked',
        userId: user.id,
        ip: context.ip,
        detail: { failures },
      });
    }
    await audit.record({
      type: context.purpose === 'login' ? 'login.failed' : 'step_up.failed',
      userId: user.id,
      ip: context.ip,
      detail: { reason: replayed ? 'code_replayed' : 'code_invalid', failures },
    });
    throw invalidCode();
  }

  /**
   * Backup codes have a counter of their own and pass the 100-failure lock: they are the way
   * back in for a user whose device is lost or whose codes were guessed at (security rule 3 in docs/architecture.md).
   * With 50 secret bits per code the counter only keeps the argon2 work bounded.
   */
  private async verifyBackupCode(
    user: UserRow,
    code: string,
    context: SecondFactorContext,
  ): Promise<SecondFactorProof> {
    const { store, audit, throttle, backupCodes } = this.deps;
    const key = throttleKeys.backupCode(user.id);
    await throttle.reserve('backupCode', key);
    const used = await backupCodes.consume(user, code);
    if (!used) {
      this.#metrics.secondFactorCheck('backup_code', 'wrong');
      await audit.record({
        type: context.purpose === 'login' ? 'login.failed' : 'step_up.failed',
        userId: user.id,
        ip: context.ip,
        detail: { reason: 'backup_code_invalid' },
      });
      throw invalidCode();
    }
    this.#metrics.secondFactorCheck('backup_code', 'ok');
    await throttle.succeed(key);
    const mfaKey = throttleKeys.secondFactor(user.id);
    const wasLocked = await throttle.isLocked(mfaKey);
    await throttle.succeed(mfaKey, { clearLock: true });
    await audit.record({
      type: 'backup_code.used',
      userId: user.id,
      ip: context.ip,
      detail: { position: used.position, remaining: used.remaining },
    });
    if (wasLocked)
      await audit.record({ type: 'second_factor.unlocked', userId: user.id, detail: { by: 'backup_code' } });
    if (context.proveSession)
      await store.sessions.recordSecondFactor(context.proveSession, this.deps.clock.now());
    if (context.purpose === 'step_up') {
      await audit.record({
        type: 'step_up.succeeded',
        userId: user.id,
        ip: context.ip,
        detail: { method: 'backup_code' },
      });
    }
    return { method: 'backup_code', position: used.position, remaining: used.remaining };
  }
}

const lockThreshold = THROTTLE_POLICIES.secondFactor.lockAfterFailures;
