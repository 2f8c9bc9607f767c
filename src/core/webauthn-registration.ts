import type * as SimpleWebAuthn from '@simplewebauthn/server';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { randomId } from '../security/index.js';
import type { AuthenticatorRow, Store } from '../store/index.js';
import { addAmr } from './amr.js';
import type { AuditLog } from './audit.js';
import type { Clock } from './clock.js';
import { TwofoldError } from './errors.js';
import { requireRecentAuthentication } from './recent-authentication.js';
import type { ActiveSession } from './sessions.js';
import { type AuthenticatorSummary, summarizeAuthenticator } from './users.js';
import { normalizeName } from './validation.js';
import { WEBAUTHN_CHALLENGE_LIFETIME_MS, type WebauthnChallenges } from './webauthn-challenges.js';
import { challengeRefused, registrationRefused } from './webauthn-refusals.js';
import {
  type ClientContext,
  classifyWebauthnFailure,
  defaultKeyName,
  simpleWebAuthn,
  splitTransports,
} from './webauthn-support.js';

export interface WebauthnRegistration {
  readonly authenticator: AuthenticatorSummary;
  /** True when this is the user's first active factor: MFA just turned on. */
  readonly firstFactor: boolean;
}

/** The browser's answer to the creation options, and the name the person gave the key, if any. */
export type WebauthnRegistrationInput = {
  readonly response: RegistrationResponseJSON;
  readonly name?: string | undefined;
} & ClientContext;

export interface WebauthnRegistrationDependencies {
  readonly store: Store;
  readonly clock: Clock;
  readonly audit: AuditLog;
  readonly challenges: WebauthnChallenges;
  /** The relying party's name the browser shows, e.g. "Twofold". */
  readonly rpName: string;
  readonly rp: { readonly rpId: string; readonly origin: string };
}

/** Adding a security key or passkey to one's own account: the two halves of the ceremony. */
export class WebauthnRegistrations {
  constructor(private readonly deps: WebauthnRegistrationDependencies) {}

  /**
   * Options for `navigator.credentials.create()`. A sensitive action (security rule 5 in docs/architecture.md): the
   * session must have proven itself in the last five minutes.
   */
  async start(
    session: ActiveSession,
    context: ClientContext = {},
  ): Promise<PublicKeyCredentialCreationOptionsJSON> {
    await this.assertMayChangeFactors(session);
    const { user } = session;
    const existing = await this.deps.store.authenticators.listActiveByUser(user.id, 'webauthn');
    const options = await (await simpleWebAuthn()).generateRegistrationOptions({
      rpName: this.deps.rpName,
      rpID: this.deps.rp.rpId,
      userName: user.username,
      userDisplayName: `${user.first_name} ${user.last_name}`.trim() || user.username,
      // Stable per user, and no personal data: the authenticator stores it with a passkey.
      userID: new TextEncoder().encode(user.id),
      attestationType: 'none',
      // The same key twice would be one factor counted as two.
      excludeCredentials: existing.map((row) => ({
        id: row.credential_id as string,
        transports: splitTransports(row.transports),
      })),
      // A discoverable credential where the authenticator can keep one, so the same key can
      // later log in without a password ("Sign in with a passkey").
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
      timeout: WEBAUTHN_CHALLENGE_LIFETIME_MS,
    });
    await this.deps.challenges.save(options.challenge, 'registration', user.id);
    await this.deps.audit.record({
      type: 'authenticator.enrollment_started',
      userId: user.id,
      ip: context.ip,
      detail: { kind: 'webauthn' },
    });
    return options;
  }

  /**
   * Verifies the browser's answer and stores the key as an active authenticator. The name is
   * optional; without one it is named after the kind of authenticator ("Security key 2").
   */
  async finish(session: ActiveSession, input: WebauthnRegistrationInput): Promise<WebauthnRegistration> {
    await this.assertMayChangeFactors(session);
    const { store, clock, audit } = this.deps;
    const { user } = session;
    const requestedName = normalizeName(input.name, '', 'name');
    const challenge = await this.deps.challenges.consume(input.response, 'registration', user.id);
    if (!challenge) throw challengeRefused();

    let verification: Awaited<ReturnType<typeof SimpleWebAuthn.verifyRegistrationResponse>>;
    try {
      verification = await (await simpleWebAuthn()).verifyRegistrationResponse({
        response: input.response,
        expectedChallenge: challenge.challenge,
        expectedOrigin: this.deps.rp.origin,
        expectedRPID: this.deps.rp.rpId,
        // As a second factor, presence is enough; user verification only matters for passkeys.
        requireUserVerification: false,
      });
    } catch (error) {
      throw registrationRefused(classifyWebauthnFailure(error), error);
    }
    if (!verification.verified) throw registrationRefused('signature', undefined);
    const info = verification.registrationInfo;
    if (await store.authenticators.findByCredentialId(info.credential.id)) {
      throw new TwofoldError('conflict', 'This security key is already registered.');
    }

    const existing = await store.authenticators.listActiveByUser(user.id);
    const transports = info.credential.transports ?? input.response.response.transports ?? [];
    const name =
      requestedName ||
      defaultKeyName(
        {
          transports,
          attachment: input.response.authenticatorAttachment,
          backupEligible: info.credentialDeviceType === 'multiDevice',
        },
        existing.map((row) => row.name),
      );
    const now = clock.now();
    const id = randomId();
    await store.transaction(async (tx) => {
      await tx.webauthnCredentials.insert({
        id,
        userId: user.id,
        name,
        credentialId: info.credential.id,
        publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
        signCount: info.credential.counter,
        transports,
        backupEligible: info.credentialDeviceType === 'multiDevice',
        backedUp: info.credentialBackedUp,
        aaguid: info.aaguid,
        now,
      });
      // The ceremony just proved possession of a factor in this session: backup codes can follow
      // the first key without another login, as after a TOTP setup.
      await tx.sessions.update(session.idHash, {
        second_factor_at: now,
        amr: addAmr(session.row.amr, ['hwk']),
      });
      await audit.record(
        {
          type: 'authenticator.added',
          userId: user.id,
          ip: input.ip,
          detail: {
            kind: 'webauthn',
            authenticatorId: id,
            name,
            backupEligible: info.credentialDeviceType === 'multiDevice',
          },
        },
        tx,
      );
    });
    const row = (await store.authenticators.findById(id)) as AuthenticatorRow;
    return { authenticator: summarizeAuthenticator(row), firstFactor: existing.length === 0 };
  }

  private async assertMayChangeFactors(session: ActiveSession): Promise<void> {
    if (session.row.stage !== 'full') {
      throw new TwofoldError('unauthenticated', 'Your session has ended. Please log in again.');
    }
    const active = await this.deps.store.authenticators.countActiveByUser(session.user.id);
    requireRecentAuthentication(session, active > 0, this.deps.clock);
  }
}
