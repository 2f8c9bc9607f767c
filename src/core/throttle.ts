import type { Store, ThrottleSchedule } from '../store/index.js';
import type { Clock } from './clock.js';
import { TwofoldError } from './errors.js';
import { type Metrics, noMetrics } from './metrics.js';

/** Security rule 3 of docs/architecture.md, in numbers. */
export const THROTTLE_POLICIES = {
  /** Second-factor failures per user, across all sessions (RFC 4226 §7.3, NIST SP 800-63B §5.2.2). */
  secondFactor: { freeFailures: 5, baseDelayMs: 30_000, maxDelayMs: 15 * 60_000, lockAfterFailures: 100 },
  /** Backup-code failures per user: no lock, since backup codes are what lifts the lock. */
  backupCode: { freeFailures: 5, baseDelayMs: 30_000, maxDelayMs: 15 * 60_000, lockAfterFailures: null },
  /** Password failures per login name: slows guessing one account, never locks it (no lock-out DoS). */
  passwordAccount: { freeFailures: 5, baseDelayMs: 30_000, maxDelayMs: 15 * 60_000, lockAfterFailures: null },
  /** Password failures per client address: slows spraying one password over many accounts. */
  passwordAddress: {
    freeFailures: 20,
    baseDelayMs: 30_000,
    maxDelayMs: 15 * 60_000,
    lockAfterFailures: null,
  },
} as const satisfies Record<string, ThrottleSchedule>;

export type ThrottlePolicy = keyof typeof THROTTLE_POLICIES;

export const throttleKeys = {
  secondFactor: (userId: string) => `mfa:user:${userId}`,
  backupCode: (userId: string) => `backup:user:${userId}`,
  passwordAccount: (login: string) => `password:login:${login.trim().toLowerCase()}`,
  passwordUser: (userId: string) => `password:user:${userId}`,
  passwordAddress: (ip: string) => `password:ip:${ip}`,
};

/**
 * Counts attempts before they are checked and refuses them while blocked. Every caller —
 * login page, API, step-up, later RADIUS — goes through here, so the counters are shared.
 */
export class Throttle {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly metrics: Metrics = noMetrics,
  ) {}

  /**
   * Counts one attempt and returns the failures in a row including it; throws `throttled` (429)
   * or `locked` (423) when it must not be tried at all.
   */
  async reserve(policy: ThrottlePolicy, key: string): Promise<number> {
    const now = this.clock.now();
    const reservation = await this.store.throttles.reserveAttempt(key, now, THROTTLE_POLICIES[policy]);
    if (reservation.allowed) return reservation.failures;
    throw this.refusal(policy, reservation, now);
  }

  /**
   * The error for an attempt refused under `policy` while its key is blocked or locked (a check
   * the store made itself, such as a code's: second-factor.ts), counted as such.
   */
  refusal(
    policy: ThrottlePolicy,
    refusal: { readonly blockedUntil: number; readonly locked: boolean },
    now: number,
  ): TwofoldError {
    this.metrics.throttleRefusal(policy, refusal.locked ? 'locked' : 'wait');
    return throttled(refusal, now);
  }

  /**
   * Refuses when the key is blocked, without counting: for keys where only failures count,
   * which `recordFailure` adds afterwards. Counted under `policy` when refused.
   */
  async check(policy: ThrottlePolicy, key: string): Promise<void> {
    const now = this.clock.now();
    const row = await this.store.throttles.find(key);
    if (row && row.blocked_until > now) {
      this.metrics.throttleRefusal(policy, 'wait');
      const retryAfterSeconds = Math.max(1, Math.ceil((row.blocked_until - now) / 1000));
      throw new TwofoldError(
        'throttled',
        `Too many failed attempts. Try again in ${describeWait(retryAfterSeconds)}.`,
        {
          retryAfterSeconds,
        },
      );
    }
  }

  /** Counts a failure that already happened (see `check`). */
  async recordFailure(policy: ThrottlePolicy, key: string): Promise<void> {
    await this.store.throttles.reserveAttempt(key, this.clock.now(), THROTTLE_POLICIES[policy]);
  }

  /** The attempt succeeded: its failures in a row are forgotten. */
  async succeed(key: string, options: { readonly clearLock?: boolean } = {}): Promise<void> {
    await this.store.throttles.recordSuccess(key, this.clock.now(), options);
  }

  async isLocked(key: string): Promise<boolean> {
    return (await this.store.throttles.find(key))?.locked === 1;
  }

  async state(key: string): Promise<{ failures: number; blockedUntil: number; locked: boolean } | undefined> {
    const row = await this.store.throttles.find(key);
    return row && { failures: row.failures, blockedUntil: row.blocked_until, locked: row.locked === 1 };
  }
}

/** The denial of an attempt that was not counted: 423 while locked, else 429 until the block ends. */
export function throttled(refusal: { readonly blockedUntil: number; readonly locked: boolean }, now: number) {
  if (refusal.locked) {
    return new TwofoldError(
      'locked',
      'Two-factor authentication is locked for this account after too many wrong codes. ' +
        'Sign in with a backup code, or ask an administrator to unlock it.',
    );
  }
  const retryAfterSeconds = Math.max(1, Math.ceil((refusal.blockedUntil - now) / 1000));
  return new TwofoldError(
    'throttled',
    `Too many failed attempts. Try again in ${describeWait(retryAfterSeconds)}.`,
    {
      retryAfterSeconds,
    },
  );
}

export function describeWait(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}
