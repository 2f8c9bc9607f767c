import type * as SimpleWebAuthn from '@simplewebauthn/server';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import type { Store, UserRow } from '../store/index.js';
import { addAmr } from './amr.js';
import type { AuditLog } from './audit.js';
import type { Clock } from './clock.js';
import { TwofoldError } from './errors.js';
import { type Metrics, noMetrics } from './metrics.js';
import type { ActiveSession, IssuedSession, SessionKind, Sessions } from './sessions.js';
import { THROTTLE_POLICIES, type Throttle, throttleKeys } from './throttle.js';
import { WEBAUTHN_CHALLENGE_LIFETIME_MS, WebauthnChallenges } from './webauthn-challenges.js';
import { assertionRefused, challengeRefused } from './webauthn-refusals.js';
import {
  type WebauthnRegistration,
  type WebauthnRegistrationInput,
  WebauthnRegistrations,
} from './webauthn-registration.js';
import {
  type ClientContext,
  classifyWebauthnFailure,
  relyingPartyOf,
  simpleWebAuthn,
  splitTransports,
  type WebauthnFailureReason,
} from './webauthn-support.js';

/** What proved the second factor: one of the user's WebAuthn authenticators. */
export interface WebauthnProof {
  readonly method: 'webauthn';
  readonly authenticatorId: string;
  readonly userVerified: boolean;
}

export interface WebauthnDependencies {
  readonly store: Store;
  readonly clock: Clock;
  readonly audit: AuditLog;
  readonly throttle: Throttle;
  readonly sessions: Sessions;
  readonly publicUrl: string;
  /** The relying party's name the browser shows, e.g. "Twofold". */
  readonly rpName: string;
  /** Counts each security-key answer checked. */
  readonly metrics?: Metrics;
}

/**
 * Security keys, phones and built-in biometrics (WebAuthn Level 3) as a second factor, as a
 * step-up, and as a passkey that logs in without a password. Challenges are stored in the
 * database and used up at the first look; RP ID and origin come from the public URL only.
 *
 * @see https://www.w3.org/TR/webauthn-3/#sctn-rp-operations
 */
export class Webauthn {
  readonly rpId: string;
  readonly expectedOrigin: string;

  readonly #challenges: WebauthnChallenges;
  readonly #registrations: WebauthnRegistrations;

  constructor(private readonly deps: WebauthnDependencies) {
    const rp = relyingPartyOf(deps.publicUrl);
    this.rpId = rp.rpId;
    this.expectedOrigin = rp.origin;
    this.#challenges = new WebauthnChallenges(deps.store, deps.clock);
    this.#registrations = new WebauthnRegistrations({
      store: deps.store,
      clock: deps.clock,
      audit: deps.audit,
      challenges: this.#challenges,
      rpName: deps.rpName,
      rp,
    });
  }

  /** Options for `navigator.credentials.create()`: see WebauthnRegistrations.start. */
  startRegistration(
    session: ActiveSession,
    context: ClientContext = {},
  ): Promise<PublicKeyCredentialCreationOptionsJSON> {
    return this.#registrations.start(session, context);
  }

  /** Verifies and stores a new key: see WebauthnRegistrations.finish. */
  finishRegistration(
    session: ActiveSession,
    input: WebauthnRegistrationInput,
  ): Promise<WebauthnRegistration> {
    return this.#registrations.finish(session, input);
  }

  /**
   * Options for `navigator.credentials.get()` as a second factor (login or step-up): only the
   * user's own keys, and no PIN or fingerprint asked for — the password was the first factor.
   */
  async startSecondFactor(user: UserRow): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const keys = await this.deps.store.authenticators.listActiveByUser(user.id, 'webauthn');
    if (keys.length === 0) {
      throw new TwofoldError(
        'not_found',
        'No security key is registered for this account. Use a one-time code.',
      );
    }
    const options = await (await simpleWebAuthn()).generateAuthenticationOptions({
      rpID: this.rpId,
      allowCredentials: keys.map((row) => ({
        id: row.credential_id as string,
        transports: splitTransports(row.transports),
      })),
      userVerification: 'discouraged',
      timeout: WEBAUTHN_CHALLENGE_LIFETIME_MS,
    });
    await this.#challenges.save(options.challenge, 'authentication', user.id);
    return options;
  }

  /**
   * Checks an assertion by one of the user's keys. Like a code, it is counted by the
   * second-factor throttle before it is checked (security rule 3 in docs/architecture.md), and every refusal is audited.
   */
  async verifySecondFactor(
    user: UserRow,
    response: AuthenticationResponseJSON,
    context: ClientContext & { readonly purpose: 'login' | 'step_up' },
  ): Promise<WebauthnProof> {
    const { throttle } = this.deps;
    const key = throttleKeys.secondFactor(user.id);
    const failures = await throttle.reserve('secondFactor', key);
    const outcome = await this.checkAssertion(response, {
      user,
      purpose: 'authentication',
      requireUserVerification: false,
    });
    this.countCheck(outcome);
    if (!outcome.ok) {
      await this.recordFailure(user.id, outcome.reason, failures, context);
      throw outcome.error;
    }
    await throttle.succeed(key, { clearLock: failures >= lockThreshold });
    return outcome.proof;
  }

  /** The second login step with a key instead of a code: the pending session becomes a login. */
  async completeLogin(
    pending: ActiveSession,
    response: AuthenticationResponseJSON,
    context: ClientContext = {},
  ): Promise<IssuedSession> {
    if (pending.row.stage !== 'password') {
      throw new TwofoldError('unauthenticated', 'Your login has expired. Please log in again.');
    }
    const proof = await this.verifySecondFactor(pending.user, response, { ...context, purpose: 'login' });
    const session = await this.deps.sessions.rotate(pending, {
      stage: 'full',
      secondFactorAt: this.deps.clock.now(),
      amr: ['hwk'],
    });
    await this.afterSignIn(pending.user, context, {
      method: 'webauthn',
      authenticatorId: proof.authenticatorId,
    });
    return session;
  }

  /** A fresh second factor inside a session, before a sensitive action (security rule 5 in docs/architecture.md). */
  async stepUp(
    session: ActiveSession,
    response: AuthenticationResponseJSON,
    context: ClientContext = {},
  ): Promise<{ proof: WebauthnProof; rotated: IssuedSession | undefined }> {
    const { clock, sessions, store, audit } = this.deps;
    if (session.row.stage !== 'full') {
      throw new TwofoldError('unauthenticated', 'Your session has ended. Please log in again.');
    }
    const proof = await this.verifySecondFactor(session.user, response, { ...context, purpose: 'step_up' });
    const now = clock.now();
    let rotated: IssuedSession | undefined;
    // Browser sessions get a new id (the privilege changed); an API token keeps its value.
    if (session.row.kind === 'browser') {
      rotated = await sessions.rotate(session, { secondFactorAt: now, amr: ['hwk'] });
    } else {
      await store.sessions.update(session.idHash, {
        second_factor_at: now,
        last_seen_at: now,
        amr: addAmr(session.row.amr, ['hwk']),
      });
    }
    await audit.record({
      type: 'step_up.succeeded',
      userId: session.user.id,
      ip: context.ip,
      detail: { method: 'webauthn', authenticatorId: proof.authenticatorId },
    });
    return { proof, rotated };
  }

  /**
   * Options for "Sign in with a passkey": no user named yet, so no credentials listed — the
   * authenticator offers its discoverable ones — and user verification required, since the
   * key alone stands for both factors.
   */
  async startPasskeyLogin(): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const options = await (await simpleWebAuthn()).generateAuthenticationOptions({
      rpID: this.rpId,
      userVerification: 'required',
      timeout: WEBAUTHN_CHALLENGE_LIFETIME_MS,
    });
    await this.#challenges.save(options.challenge, 'passkey', null);
    return options;
  }

  /**
   * Logs in with a passkey alone. Possession of the key plus its PIN or biometric check is
   * multi-factor by itself (NIST SP 800-63B §5.1.9), so the session counts as fully proven and
   * no code is asked for afterwards.
   */
  async passkeyLogin(
    response: AuthenticationResponseJSON,
    context: ClientContext & { readonly kind: SessionKind },
  ): Promise<{ user: UserRow; session: IssuedSession }> {
    const { store, throttle, clock, sessions } = this.deps;
    const row =
      typeof response?.id === 'string' ? await store.webauthnCredentials.findActive(response.id) : undefined;
    const user = row ? await store.users.findById(row.user_id) : undefined;
    if (!row || !user || user.disabled === 1) {
      // The challenge is spent all the same: an unknown key cannot keep one alive.
      await this.#challenges.consume(response, 'passkey', null);
      await this.deps.audit.record({
        type: 'login.failed',
        userId: user?.id ?? null,
        ip: context.ip,
        detail: { reason: user ? 'disabled' : 'passkey_unknown' },
      });
      throw new TwofoldError(
        'invalid_credentials',
        'This passkey is not registered here. Log in with your password instead.',
      );
    }
    // Here the user is named by a credential id, before anything secret is shown: a refusal is
    // not charged to their second-factor counter, or a stranger who learnt the id could block
    // and then lock the user's codes and keys without knowing the password. Nothing is lost: a
    // signature cannot be guessed, and each answer spends a challenge.
    const outcome = await this.checkAssertion(response, {
      user,
      purpose: 'passkey',
      requireUserVerification: true,
    });
    this.countCheck(outcome);
    if (!outcome.ok) {
      await this.deps.audit.record({
        type: 'login.failed',
        userId: user.id,
        ip: context.ip,
        detail: { reason: `webauthn_${outcome.reason}` },
      });
      throw outcome.error;
    }
    // The key is proven. A second factor blocked or locked by wrong codes holds for it too
    // (security rule 3 in docs/architecture.md), and only its holder learns so.
    const key = throttleKeys.secondFactor(user.id);
    const state = await throttle.state(key);
    if (state && (state.locked || state.blockedUntil > clock.now())) {
      await this.deps.audit.record({
        type: 'login.failed',
        userId: user.id,
        ip: context.ip,
        detail: { reason: state.locked ? 'second_factor_locked' : 'second_factor_throttled' },
      });
      throw throttle.refusal('secondFactor', state, clock.now());
    }
    await throttle.succeed(key);
    const now = clock.now();
    const session = await sessions.create({
      userId: user.id,
      kind: context.kind,
      stage: 'full',
      authenticatedAt: now,
      secondFactorAt: now,
      amr: ['hwk', 'user'],
      ip: context.ip,
      userAgent: context.userAgent,
    });
    await this.afterSignIn(user, context, {
      method: 'passkey',
      authenticatorId: outcome.proof.authenticatorId,
    });
    return { user, session };
  }

  /**
   * The common part of every assertion: the challenge (used up here, whatever follows), the
   * key (active, and the user's), the signature, origin and RP ID (by the library), then the
   * sign counter (here, in the database).
   */
  private async checkAssertion(
    response: AuthenticationResponseJSON,
    expected: {
      readonly user: UserRow;
      readonly purpose: 'authentication' | 'passkey';
      readonly requireUserVerification: boolean;
    },
  ): Promise<
    { ok: true; proof: WebauthnProof } | { ok: false; reason: WebauthnFailureReason; error: TwofoldError }
  > {
    const { store, clock, audit } = this.deps;
    const challenge = await this.#challenges.consume(
      response,
      expected.purpose,
      expected.purpose === 'passkey' ? null : expected.user.id,
    );
    if (!challenge) return { ok: false, reason: 'challenge', error: challengeRefused() };
    const row =
      typeof response?.id === 'string' ? await store.webauthnCredentials.findActive(response.id) : undefined;
    if (!row || row.user_id !== expected.user.id) {
      return { ok: false, reason: 'unknown_key', error: assertionRefused('unknown_key') };
    }

    let verification: Awaited<ReturnType<typeof SimpleWebAuthn.verifyAuthenticationResponse>>;
    try {
      verification = await (await simpleWebAuthn()).verifyAuthenticationResponse({
        response,
        expectedChallenge: challenge.challenge,
        expectedOrigin: this.expectedOrigin,
        expectedRPID: this.rpId,
        // Counter 0 turns the library's own counter check off: ours below also audits a
        // backwards counter, and decides in the database so racing requests cannot both pass.
        credential: {
          id: row.credential_id as string,
          publicKey: new Uint8Array(Buffer.from(row.public_key as string, 'base64url')),
          counter: 0,
          transports: splitTransports(row.transports),
        },
        requireUserVerification: expected.requireUserVerification,
      });
    } catch (error) {
      const reason = classifyWebauthnFailure(error);
      return { ok: false, reason, error: assertionRefused(reason) };
    }
    if (!verification.verified)
      return { ok: false, reason: 'signature', error: assertionRefused('signature') };
    const info = verification.authenticationInfo;
    if (expected.requireUserVerification && !info.userVerified) {
      return { ok: false, reason: 'user_verification', error: assertionRefused('user_verification') };
    }

    const now = clock.now();
    const accepted = await store.webauthnCredentials.acceptAssertion(row.id, {
      signCount: info.newCounter,
      backedUp: info.credentialBackedUp,
      now,
    });
    if (!accepted) {
      // A counter that does not go up means two copies of the key exist (WebAuthn §6.1.1):
      // refuse, and tell the administrators.
      await audit.record({
        type: 'authenticator.cloned_suspected',
        userId: expected.user.id,
        detail: {
          kind: 'webauthn',
          authenticatorId: row.id,
          name: row.name,
          storedSignCount: Number(row.sign_count),
          receivedSignCount: info.newCounter,
        },
      });
      return { ok: false, reason: 'counter', error: assertionRefused('counter') };
    }
    return {
      ok: true,
      proof: { method: 'webauthn', authenticatorId: row.id, userVerified: info.userVerified },
    };
  }

  /** A key that signed with a counter gone back is a copy replaying: see `checkAssertion`. */
  private countCheck(outcome: { ok: true } | { ok: false; reason: WebauthnFailureReason }): void {
    const result = outcome.ok ? 'ok' : outcome.reason === 'counter' ? 'replayed' : 'wrong';
    (this.deps.metrics ?? noMetrics).secondFactorCheck('webauthn', result);
  }

  private async recordFailure(
    userId: string,
    reason: WebauthnFailureReason,
    failures: number,
    context: ClientContext & { readonly purpose: 'login' | 'step_up' },
  ): Promise<void> {
    const { audit } = this.deps;
    if (failures >= lockThreshold) {
      await audit.record({ type: 'second_factor.locked', userId, ip: context.ip, detail: { failures } });
    }
    await audit.record({
      type: context.purpose === 'login' ? 'login.failed' : 'step_up.failed',
      userId,
      ip: context.ip,
      detail: { reason: `webauthn_${reason}`, failures },
    });
  }

  private async afterSignIn(
    user: UserRow,
    context: ClientContext,
    detail: { method: 'webauthn' | 'passkey'; authenticatorId: string },
  ): Promise<void> {
    await this.deps.store.users.update(user.id, { last_login_at: this.deps.clock.now() });
    await this.deps.audit.record({ type: 'login.succeeded', userId: user.id, ip: context.ip, detail });
  }
}

const lockThreshold = THROTTLE_POLICIES.secondFactor.lockAfterFailures;
