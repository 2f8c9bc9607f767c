import {
  buildKeyUri,
  DEFAULT_PERIOD_SECONDS,
  encodeBase32,
  generateSecret,
  verifyTotp,
} from '../otp/index.js';
import type { Keyring } from '../security/index.js';
import { randomId } from '../security/index.js';
import type { AuthenticatorRow, Store, UserRow } from '../store/index.js';
import { addAmr } from './amr.js';
import type { AuditLog } from './audit.js';
import type { Clock } from './clock.js';
import { TwofoldError } from './errors.js';
import { totpSecretContext } from './master-key-check.js';
import type { ActiveSession } from './sessions.js';
import { type AuthenticatorSummary, summarizeAuthenticator } from './users.js';
import { normalizeName } from './validation.js';

/** A device that is not proven within this time is dropped (security rule 4 in docs/architecture.md). */
export const PENDING_AUTHENTICATOR_LIFETIME_MS = 15 * 60_000;

/** What the setup page shows: enough to scan, or to type in by hand. */
export interface TotpEnrollment {
  readonly authenticatorId: string;
  /** 32 base32 characters, no padding: what "Unable to scan?" reveals. */
  readonly secret: string;
  readonly otpauthUri: string;
  readonly algorithm: 'sha1';
  readonly digits: 6;
  readonly periodSeconds: number;
  readonly issuer: string;
  readonly accountName: string;
  readonly expiresAt: number;
}

export interface ActivatedAuthenticator {
  readonly authenticator: AuthenticatorSummary;
  /** True when this is the user's first active factor: MFA just turned on. */
  readonly firstFactor: boolean;
}

export interface TotpEnrollmentDependencies {
  readonly store: Store;
  readonly keyring: Keyring;
  readonly clock: Clock;
  readonly audit: AuditLog;
  readonly issuer: string;
}

/**
 * Setting up a TOTP device: a pending authenticator holds a fresh secret (sealed) until a code
 * from the device proves it was stored right — only then does it count (seed 001: "validate and
 * set the OTP Secret").
 */
export class TotpEnrollments {
  constructor(private readonly deps: TotpEnrollmentDependencies) {}

  async start(
    user: UserRow,
    context: { ip?: string | undefined; name?: string | undefined } = {},
  ): Promise<TotpEnrollment> {
    const { store, keyring, clock, audit } = this.deps;
    const now = clock.now();
    await store.authenticators.removeExpiredPending(now);
    // One setup at a time per user: a new "Set up OTP" replaces an abandoned one, so repeated
    // clicks cannot pile up pending secrets.
    await store.authenticators.removePendingForUser(user.id);
    const id = randomId();
    const secret = generateSecret();
    const sealed = keyring.seal(secret, totpSecretContext(id));
    // A name given at the start is kept for activation; it is checked now so a bad one fails early.
    const name = context.name === undefined ? '' : normalizeName(context.name, '', 'name');
    await store.authenticators.insert({
      id,
      user_id: user.id,
      kind: 'totp',
      name,
      status: 'pending',
      secret_sealed: sealed,
      algorithm: 'sha1',
      digits: 6,
      period_seconds: DEFAULT_PERIOD_SECONDS,
      created_at: now,
      expires_at: now + PENDING_AUTHENTICATOR_LIFETIME_MS,
    });
    await audit.record({
      type: 'authenticator.enrollment_started',
      userId: user.id,
      ip: context.ip,
      detail: { kind: 'totp' },
    });
    return this.describe(user, id, secret, now + PENDING_AUTHENTICATOR_LIFETIME_MS);
  }

  /** The same pending enrollment again (after a wrong code the page keeps the same QR code). */
  async get(user: UserRow, authenticatorId: string): Promise<TotpEnrollment> {
    const row = await this.pendingRow(user, authenticatorId);
    const secret = this.deps.keyring.unseal(row.secret_sealed as string, totpSecretContext(row.id));
    return this.describe(user, row.id, secret, row.expires_at as number);
  }

  /**
   * Proves the device with a code and makes it active. The step of that code is recorded as
   * used, so the same code cannot also log in afterwards.
   */
  async activate(
    user: UserRow,
    authenticatorId: string,
    input: {
      readonly code: string;
      readonly name?: string | undefined;
      readonly ip?: string | undefined;
      /**
       * The session the setup runs in: the code just proved the new device, so it counts as a
       * fresh second factor there (backup codes can follow the first setup without a new login).
       */
      readonly session?: ActiveSession | undefined;
    },
  ): Promise<ActivatedAuthenticator> {
    const { store, keyring, clock, audit } = this.deps;
    const row = await this.pendingRow(user, authenticatorId);
    const existing = await store.authenticators.listActiveByUser(user.id);
    const name = normalizeName(input.name, row.name || `Authenticator ${existing.length + 1}`, 'name');
    const now = clock.now();
    const secret = keyring.unseal(row.secret_sealed as string, totpSecretContext(row.id));
    const result = verifyTotp({
      code: input.code.replace(/\s+/g, ''),
      secret,
      atMillis: now,
      digits: row.digits ?? 6,
      periodSeconds: row.period_seconds ?? DEFAULT_PERIOD_SECONDS,
    });
    secret.fill(0);
    if (!result.valid) {
      throw new TwofoldError(
        'invalid_code',
        'That code is not right. Check that the device shows the account just added, then enter the newest code.',
        { field: 'code' },
      );
    }
    // Whole or not at all: a device active without its audit event (and so without the "device
    // added" e-mail), or a session left at `enrollment`, could not be mended by a retry — the
    // device would no longer be pending. The e-mail goes once this commits (Store.afterCommit).
    await store.transaction(async (tx) => {
      const activated = await tx.authenticators.activate(row.id, now, {
        name,
        lastStep: result.timeStep,
        lastUsedAt: now,
      });
      if (!activated) throw expiredEnrollment();
      if (input.session) {
        await tx.sessions.update(input.session.idHash, {
          second_factor_at: now,
          amr: addAmr(input.session.row.amr, ['otp']),
          // Enrolling the required factor is what an `enrollment` session was waiting for.
          ...(input.session.row.stage === 'enrollment' ? { stage: 'full' as const } : {}),
        });
      }
      await audit.record(
        {
          type: 'authenticator.added',
          userId: user.id,
          ip: input.ip,
          detail: { kind: 'totp', authenticatorId: row.id, name },
        },
        tx,
      );
    });
    const active = (await store.authenticators.findById(row.id)) as AuthenticatorRow;
    return { authenticator: summarizeAuthenticator(active), firstFactor: existing.length === 0 };
  }

  private async pendingRow(user: UserRow, authenticatorId: string): Promise<AuthenticatorRow> {
    const row = await this.deps.store.authenticators.findById(authenticatorId);
    if (!row || row.user_id !== user.id || row.kind !== 'totp' || row.status !== 'pending') {
      throw new TwofoldError('not_found', 'This device setup does not exist. Start again with "Set up OTP".');
    }
    if ((row.expires_at ?? 0) <= this.deps.clock.now()) throw expiredEnrollment();
    return row;
  }

  private describe(user: UserRow, id: string, secret: Uint8Array, expiresAt: number): TotpEnrollment {
    const { issuer } = this.deps;
    return {
      authenticatorId: id,
      secret: encodeBase32(secret, { padding: false }),
      otpauthUri: buildKeyUri({ type: 'totp', issuer, accountName: user.username, secret }),
      algorithm: 'sha1',
      digits: 6,
      periodSeconds: DEFAULT_PERIOD_SECONDS,
      issuer,
      accountName: user.username,
      expiresAt,
    };
  }
}

const expiredEnrollment = () =>
  new TwofoldError('expired', 'This device setup has expired (15 minutes). Start again with "Set up OTP".');
