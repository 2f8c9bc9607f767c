import {
  type AuthorizationChecks,
  authorizationUrl,
  discover,
  newChecks,
  type ProviderClaims,
  ProviderError,
  redeem,
} from '../federation/provider-client.js';
import { hashToken, type Keyring, randomToken } from '../security/index.js';
import type { IdentityProviderRow, Store, UserRow } from '../store/index.js';
import type { Amr } from './amr.js';
import type { AuditLog } from './audit.js';
import type { Clock } from './clock.js';
import { TwofoldError } from './errors.js';
import { ExternalAccounts, Refusal, recordLink } from './external-accounts.js';
import type { IdentityProviders } from './identity-providers.js';
import { requireRecentAuthentication } from './recent-authentication.js';
import type { ActiveSession, IssuedSession, Sessions } from './sessions.js';

/** How long a person may spend at the provider before the sign-in must start again. */
export const EXTERNAL_SIGN_IN_LIFETIME_MS = 10 * 60_000;

/** What a session made by an external provider remembers of it (sessions.external_sign_in). */
export interface ExternalSignInRecord {
  readonly providerId: string;
  readonly name: string;
  readonly amr: readonly string[];
  readonly acr: string | null;
}

export interface StartedExternalSignIn {
  /** Where to send the browser: the provider's authorization endpoint. */
  readonly url: string;
  /** Kept in a cookie of this browser: the callback must come back to the browser that left. */
  readonly browserToken: string;
  readonly providerName: string;
}

export type ExternalSignInResult =
  | {
      readonly outcome: 'signed_in';
      readonly user: UserRow;
      readonly session: IssuedSession;
      readonly next: string | null;
    }
  /** The provider's sign-in is not enough: a Twofold factor is asked next (the login's code step). */
  | {
      readonly outcome: 'second_factor';
      readonly user: UserRow;
      readonly pending: IssuedSession;
      readonly next: string | null;
    }
  | {
      readonly outcome: 'linked';
      readonly user: UserRow;
      readonly providerName: string;
      readonly next: string | null;
    };

export interface LinkedProvider {
  readonly providerId: string;
  readonly slug: string;
  readonly name: string;
  readonly email: string | null;
  readonly linkedAt: number;
  readonly lastUsedAt: number | null;
}

export interface ExternalSignInDependencies {
  readonly store: Store;
  readonly keyring: Keyring;
  readonly clock: Clock;
  readonly audit: AuditLog;
  readonly sessions: Sessions;
  readonly providers: IdentityProviders;
}

/** The sealing context of a sign-in's PKCE code verifier: binds the ciphertext to its row. */
export const codeVerifierContext = (stateHash: string) => `idp-code-verifier:${stateHash}`;

/**
 * Signing in with an external OpenID Connect provider (seed 003), and linking one to an account.
 * The protocol is openid-client's (src/federation/); what is Twofold's is who the person is here
 * (the account matching) and whether the provider's sign-in is enough (its second-factor policy).
 */
export class ExternalSignIn {
  /** Discovery documents, per provider version: fetched once, not at every sign-in. */
  readonly #configs = new Map<string, Promise<Awaited<ReturnType<typeof discover>>>>();

  private readonly accounts: ExternalAccounts;

  constructor(private readonly deps: ExternalSignInDependencies) {
    this.accounts = new ExternalAccounts(deps);
  }

  /** The providers the login page offers. */
  async offered(): Promise<{ slug: string; name: string }[]> {
    return (await this.deps.store.identityProviders.list()).map((row) => ({
      slug: row.slug,
      name: row.name,
    }));
  }

  async begin(input: {
    readonly slug: string;
    readonly purpose: 'login' | 'link';
    /** For `link`: the signed-in person, who must have proven themselves in the last minutes. */
    readonly session?: ActiveSession | undefined;
    readonly hasActiveFactor?: boolean;
    readonly next?: string | undefined;
  }): Promise<StartedExternalSignIn> {
    const { store, keyring, clock } = this.deps;
    const provider = await this.provider(input.slug);
    if (input.purpose === 'link') {
      if (!input.session)
        throw new TwofoldError('unauthenticated', 'Log in first to link an identity provider.');
      requireRecentAuthentication(input.session, input.hasActiveFactor ?? false, clock);
      if (await store.identityProviders.findLinkOfUser(input.session.user.id, provider.id)) {
        throw new TwofoldError('conflict', `Your account is already linked to ${provider.name}.`);
      }
    }
    const config = await this.configOf(provider);
    const checks = newChecks();
    const browserToken = randomToken();
    const stateHash = hashToken(checks.state);
    const now = clock.now();
    const url = await authorizationUrl(config, {
      redirectUri: this.deps.providers.redirectUri(provider.slug),
      scopes: provider.scopes.split(' '),
      checks,
    });
    await store.identityProviders.insertSignIn({
      state_hash: stateHash,
      provider_id: provider.id,
      browser_hash: hashToken(browserToken),
      purpose: input.purpose,
      user_id: input.purpose === 'link' ? (input.session?.user.id ?? null) : null,
      verifier_sealed: keyring.seal(checks.codeVerifier, codeVerifierContext(stateHash)),
      nonce: checks.nonce,
      next: input.next ?? null,
      created_at: now,
      expires_at: now + EXTERNAL_SIGN_IN_LIFETIME_MS,
    });
    // Abandoned sign-ins are swept as new ones start; not awaited, nothing depends on it.
    store.identityProviders.removeExpiredSignIns(now).catch(() => {});
    return { url: url.href, browserToken, providerName: provider.name };
  }

  /** The provider sent the browser back to `callbackUrl`. */
  async finish(input: {
    readonly slug: string;
    readonly callbackUrl: URL;
    readonly browserToken: string | undefined;
    /** The browser's Twofold session, if any: a link needs it to be the one that started. */
    readonly session?: ActiveSession | undefined;
    readonly ip?: string | undefined;
    readonly userAgent?: string | undefined;
  }): Promise<ExternalSignInResult> {
    const { store, keyring, clock } = this.deps;
    const provider = await this.provider(input.slug);
    try {
      const state = input.callbackUrl.searchParams.get('state') ?? '';
      const pending = state
        ? await store.identityProviders.takeSignIn(hashToken(state), clock.now())
        : undefined;
      if (!pending || pending.provider_id !== provider.id) {
        throw new Refusal(
          'state_unknown',
          'invalid_input',
          `This answer from ${provider.name} does not belong to a sign-in in progress: it was already used, it is older than ten minutes, or it was not started here. Start again from the login page.`,
        );
      }
      if (!input.browserToken || hashToken(input.browserToken) !== pending.browser_hash) {
        throw new Refusal(
          'browser_mismatch',
          'invalid_input',
          `This answer from ${provider.name} came back to a different browser than the one that started the sign-in. Start again from the login page in this browser.`,
        );
      }
      const checks: AuthorizationChecks = {
        state,
        nonce: pending.nonce,
        codeVerifier: keyring
          .unseal(pending.verifier_sealed, codeVerifierContext(pending.state_hash))
          .toString('utf8'),
      };
      const claims = await this.redeem(provider, input.callbackUrl, checks);
      if (pending.purpose === 'link') {
        return await this.link(provider, claims, pending.user_id, input.session, pending.next, input.ip);
      }
      const user = await this.accounts.match(provider, claims);
      return await this.signIn(provider, claims, user, pending.next, input);
    } catch (error) {
      if (error instanceof TwofoldError) {
        await this.deps.audit.record({
          type: 'external_login.failed',
          userId: null,
          ip: input.ip,
          detail: { provider: provider.name, reason: error instanceof Refusal ? error.reason : error.code },
        });
      }
      throw error;
    }
  }

  async linkedProviders(userId: string): Promise<LinkedProvider[]> {
    const { store } = this.deps;
    const [links, providers] = await Promise.all([
      store.identityProviders.listLinksOfUser(userId),
      store.identityProviders.list(),
    ]);
    const byId = new Map(providers.map((p) => [p.id, p]));
    return links.flatMap((link) => {
      const provider = byId.get(link.provider_id);
      return provider
        ? [
            {
              providerId: provider.id,
              slug: provider.slug,
              name: provider.name,
              email: link.email,
              linkedAt: link.linked_at,
              lastUsedAt: link.last_used_at,
            },
          ]
        : [];
    });
  }

  /**
   * Removes a link, a sensitive action; never the last way in (a password or another linked
   * provider must remain).
   */
  async unlink(
    session: ActiveSession,
    providerId: string,
    hasActiveFactor: boolean,
    ip?: string,
  ): Promise<void> {
    const { store, clock, audit } = this.deps;
    requireRecentAuthentication(session, hasActiveFactor, clock);
    const user = session.user;
    const links = await store.identityProviders.listLinksOfUser(user.id);
    const link = links.find((l) => l.provider_id === providerId);
    if (!link) throw new TwofoldError('not_found', 'Your account is not linked to that provider.');
    if (user.password_hash === null && links.length === 1) {
      throw new TwofoldError(
        'conflict',
        'This provider is your only way to sign in: set a password first (Change password on your account page), then unlink it.',
      );
    }
    const provider = await store.identityProviders.findById(providerId);
    await store.transaction(async (tx) => {
      await tx.identityProviders.removeLink(user.id, providerId);
      await audit.record(
        {
          type: 'idp.unlinked',
          userId: user.id,
          actorId: user.id,
          ip,
          detail: { provider: provider?.name ?? providerId },
        },
        tx,
      );
    });
  }

  private async provider(slug: string): Promise<IdentityProviderRow> {
    const provider = await this.deps.providers.findBySlug(slug);
    if (!provider) throw new TwofoldError('not_found', 'There is no such identity provider here.');
    return provider;
  }

  private configOf(provider: IdentityProviderRow) {
    const key = `${provider.id}:${provider.updated_at}`;
    let config = this.#configs.get(key);
    if (!config) {
      config = discover({
        issuer: provider.issuer,
        clientId: provider.client_id,
        clientSecret: this.deps.providers.clientSecretOf(provider),
      });
      this.#configs.set(key, config);
      // A failed discovery is not remembered: the next sign-in tries again.
      config.catch(() => this.#configs.delete(key));
    }
    return config.catch((error: unknown) => {
      throw providerFailure(provider, error);
    });
  }

  private async redeem(provider: IdentityProviderRow, callbackUrl: URL, checks: AuthorizationChecks) {
    const config = await this.configOf(provider);
    try {
      return await redeem(config, callbackUrl, checks);
    } catch (error) {
      // Keys or endpoints may have changed at the provider: discover again next time.
      this.#configs.delete(`${provider.id}:${provider.updated_at}`);
      throw providerFailure(provider, error);
    }
  }

  private async link(
    provider: IdentityProviderRow,
    claims: ProviderClaims,
    userId: string | null,
    session: ActiveSession | undefined,
    next: string | null,
    ip: string | undefined,
  ): Promise<ExternalSignInResult> {
    const { store, clock, audit } = this.deps;
    if (!userId || session?.user.id !== userId || session.row.stage !== 'full') {
      throw new Refusal(
        'link_session_changed',
        'forbidden',
        'You are no longer signed in as the person who started linking this provider. Log in and start again from your account page.',
      );
    }
    const taken = await store.identityProviders.findLink(provider.id, claims.sub);
    if (taken) {
      throw new Refusal(
        'already_linked',
        'conflict',
        taken.user_id === userId
          ? `Your account is already linked to this ${provider.name} account.`
          : `This ${provider.name} account is already linked to another account here. Unlink it there first.`,
      );
    }
    const now = clock.now();
    await store.transaction((tx) =>
      recordLink(tx, audit, { provider, claims, userId, email: claims.email ?? null, now, by: 'person', ip }),
    );
    return { outcome: 'linked', user: session.user, providerName: provider.name, next };
  }

  /** The provider's second-factor policy decides whether a Twofold factor is asked. */
  private async signIn(
    provider: IdentityProviderRow,
    claims: ProviderClaims,
    user: UserRow,
    next: string | null,
    client: { ip?: string | undefined; userAgent?: string | undefined },
  ): Promise<ExternalSignInResult> {
    const { store, clock, audit, sessions } = this.deps;
    const acrValues = provider.mfa_acr_values ? provider.mfa_acr_values.split(' ') : [];
    const providerMfa =
      claims.amr.includes('mfa') || (claims.acr !== undefined && acrValues.includes(claims.acr));
    // Administrators always prove a Twofold factor too: the provider's word is not enough for
    // an account that can change everyone's.
    const askTwofold =
      user.is_admin === 1 ||
      provider.mfa_policy === 'always_twofold' ||
      (provider.mfa_policy === 'trust_provider_mfa' && !providerMfa);
    const record: ExternalSignInRecord = {
      providerId: provider.id,
      name: provider.name,
      amr: claims.amr.slice(0, 20).map((value) => value.slice(0, 20)),
      acr: claims.acr?.slice(0, 200) ?? null,
    };
    const amr: Amr[] = providerMfa && !askTwofold ? ['fed', 'mfa'] : ['fed'];
    const detail = {
      provider: provider.name,
      policy: provider.mfa_policy,
      provider_amr: record.amr.join(' '),
      provider_acr: record.acr,
    };
    if (askTwofold) {
      const factors = await store.authenticators.listActiveFactors(user.id);
      if (factors.length === 0) {
        throw new Refusal(
          'no_twofold_factor',
          'forbidden',
          user.is_admin === 1
            ? `Administrators signing in with ${provider.name} also need a second factor from this server, and your account has none. Log in with your password to set one up.`
            : provider.mfa_policy === 'always_twofold'
              ? `Signing in with ${provider.name} also needs a second factor from this server, and your account has none. Log in with your password to set one up, or ask your administrator.`
              : `${provider.name} did not report a multi-factor sign-in, so this server asks for its own second factor, and your account has none. Sign in at ${provider.name} with multi-factor authentication, or set up a second factor here first.`,
        );
      }
      const pending = await sessions.create({
        userId: user.id,
        kind: 'browser',
        stage: 'password',
        secondFactorAt: null,
        amr,
        externalSignIn: record,
        ip: client.ip,
        userAgent: client.userAgent,
      });
      await audit.record({
        type: 'external_login.succeeded',
        userId: user.id,
        ip: client.ip,
        detail: { ...detail, second_factor: 'asked' },
      });
      return { outcome: 'second_factor', user, pending, next };
    }
    const now = clock.now();
    const [session] = await Promise.all([
      sessions.create({
        userId: user.id,
        kind: 'browser',
        stage: 'full',
        secondFactorAt: null,
        amr,
        externalSignIn: record,
        ip: client.ip,
        userAgent: client.userAgent,
      }),
      store.users.recordLogin(user.id, now),
      audit.record({
        type: 'external_login.succeeded',
        userId: user.id,
        ip: client.ip,
        detail: { ...detail, second_factor: providerMfa ? 'provider' : 'none' },
      }),
    ]);
    return { outcome: 'signed_in', user, session, next };
  }
}

function providerFailure(provider: IdentityProviderRow, error: unknown): TwofoldError {
  if (!(error instanceof ProviderError)) throw error;
  switch (error.failure) {
    case 'unreachable':
      return new Refusal(
        'unreachable',
        'provider_failed',
        `${provider.name} could not be reached just now, so you were not signed in. Try again in a moment, or log in with your password. (${error.message})`,
      );
    case 'refused':
      return new Refusal(
        'refused',
        'provider_failed',
        `${provider.name} refused to complete the sign-in, so you were not signed in. If this keeps happening, the provider's settings here (client id or secret) need an administrator. ${error.message}`,
      );
    case 'denied':
      return new Refusal(
        'denied',
        'forbidden',
        `The sign-in was cancelled or refused at ${provider.name}. ${error.message}`,
      );
    case 'invalid':
      return new Refusal(
        'invalid_response',
        'provider_failed',
        `${provider.name}'s answer did not pass Twofold's checks, so you were not signed in. ${error.message}`,
      );
  }
}
