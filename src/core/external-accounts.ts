import type { ProviderClaims } from '../federation/provider-client.js';
import { randomId, randomToken } from '../security/index.js';
import type { IdentityProviderRow, Store, UserRow } from '../store/index.js';
import type { AuditLog } from './audit.js';
import type { Clock } from './clock.js';
import { TwofoldError } from './errors.js';
import { userTransaction } from './user-conflicts.js';
import { normalizeEmail } from './validation.js';

/** A refusal with a page of its own; recorded in the audit log with `reason`. */
export class Refusal extends TwofoldError {
  constructor(
    readonly reason: string,
    code: ConstructorParameters<typeof TwofoldError>[0],
    message: string,
  ) {
    super(code, message);
  }
}

export function disabledAccount(): TwofoldError {
  return new Refusal('disabled', 'forbidden', 'This account is disabled. Ask your administrator.');
}

/**
 * Links an account at a provider to a Twofold account, with its audit event, in the caller's
 * transaction. `by`: matched by e-mail at a sign-in, created at a sign-in, or linked by the
 * person from their account page — the one way that is not also a sign-in, so not a use yet.
 */
export async function recordLink(
  tx: Store,
  audit: AuditLog,
  link: {
    readonly provider: IdentityProviderRow;
    readonly claims: ProviderClaims;
    readonly userId: string;
    readonly email: string | null;
    readonly now: number;
    readonly by: 'email' | 'created' | 'person';
    readonly ip?: string | undefined;
  },
): Promise<void> {
  const { provider, userId, now, by } = link;
  await tx.identityProviders.insertLink({
    provider_id: provider.id,
    subject: link.claims.sub,
    user_id: userId,
    email: link.email,
    linked_at: now,
    last_used_at: by === 'person' ? null : now,
  });
  await audit.record(
    {
      type: 'idp.linked',
      userId,
      ...(by === 'person' ? { actorId: userId, ip: link.ip } : {}),
      detail: { provider: provider.name, by },
    },
    tx,
  );
}

export interface ExternalAccountsDependencies {
  readonly store: Store;
  readonly clock: Clock;
  readonly audit: AuditLog;
}

/**
 * Who a person signing in with an external provider is here: the account linked to the
 * provider's `sub`, or — as the provider's matching mode allows — the account with its verified
 * e-mail address, or a new one.
 */
export class ExternalAccounts {
  constructor(private readonly deps: ExternalAccountsDependencies) {}

  /** Who the person is at Twofold, by the provider's account-matching rule. */
  async match(provider: IdentityProviderRow, claims: ProviderClaims): Promise<UserRow> {
    const { store, clock } = this.deps;
    const link = await store.identityProviders.findLink(provider.id, claims.sub);
    if (link) {
      const user = await store.users.findById(link.user_id);
      if (!user || user.disabled === 1) throw disabledAccount();
      await store.identityProviders.touchLink(provider.id, claims.sub, clock.now());
      return user;
    }
    if (provider.matching === 'linked') {
      throw new Refusal(
        'not_linked',
        'forbidden',
        `Your ${provider.name} account is not linked to an account here. Log in with your password, then link ${provider.name} from your account page.`,
      );
    }
    if (!claims.email) {
      throw new Refusal(
        'no_email',
        'forbidden',
        `${provider.name} did not give your e-mail address, which Twofold needs to find your account. Ask your administrator.`,
      );
    }
    if (!claims.emailVerified) {
      throw new Refusal(
        'email_unverified',
        'forbidden',
        `${provider.name} says your e-mail address ${claims.email} is not verified, so it cannot be matched to an account here. Verify it at ${provider.name}, or log in with your password.`,
      );
    }
    const existing = await store.users.findByEmail(claims.email);
    if (existing) {
      if (existing.disabled === 1) throw disabledAccount();
      // Whoever controls the provider controls its addresses: an administrator's account is
      // linked only by its owner, from the account page.
      if (existing.is_admin === 1) {
        throw new Refusal(
          'admin_not_matched',
          'forbidden',
          `The account with the address ${claims.email} is an administrator's, and administrators' accounts are never matched by e-mail. Log in with your password, then link ${provider.name} from your account page.`,
        );
      }
      await this.insertLink(provider, claims, existing.id);
      return existing;
    }
    if (provider.matching === 'email') {
      throw new Refusal(
        'no_account',
        'forbidden',
        `There is no account here with the e-mail address ${claims.email}. Ask your administrator for one.`,
      );
    }
    const domains = provider.email_domains ? provider.email_domains.split(' ') : [];
    const domain = claims.email.slice(claims.email.lastIndexOf('@') + 1);
    if (domains.length > 0 && !domains.includes(domain)) {
      throw new Refusal(
        'domain_not_allowed',
        'forbidden',
        `Accounts are created here only for addresses at ${domains.join(', ')}; ${claims.email} is not one of them.`,
      );
    }
    return this.createAccount(provider, claims);
  }

  private async createAccount(provider: IdentityProviderRow, claims: ProviderClaims): Promise<UserRow> {
    const { store, clock, audit } = this.deps;
    const email = normalizeEmail(claims.email as string);
    const username = await this.freeUsername(claims.preferredUsername ?? email.slice(0, email.indexOf('@')));
    const [firstName, ...rest] = (claims.name ?? '').trim().split(/\s+/);
    const now = clock.now();
    const id = randomId();
    return userTransaction(store, { username, email }, async (tx) => {
      await tx.users.insert({
        id,
        username,
        email,
        first_name: (firstName ?? '').slice(0, 100),
        last_name: rest.join(' ').slice(0, 100),
        password_hash: null,
        created_at: now,
        updated_at: now,
      });
      await audit.record(
        { type: 'user.created', userId: id, detail: { admin: false, provider: provider.name } },
        tx,
      );
      await recordLink(tx, audit, { provider, claims, userId: id, email, now, by: 'created' });
      return (await tx.users.findById(id)) as UserRow;
    });
  }

  /** The provider's user name when free and valid here, else it with a number after it. */
  private async freeUsername(wanted: string): Promise<string> {
    const base =
      wanted
        .toLowerCase()
        .replace(/[^a-z0-9._-]+/g, '-')
        .replace(/^[^a-z0-9]+/, '')
        .slice(0, 56) || 'user';
    for (let n = 1; n < 1000; n++) {
      const candidate = n === 1 ? base : `${base}-${n}`;
      if (!(await this.deps.store.users.findByUsername(candidate))) return candidate;
    }
    return `${base}-${randomToken(6)
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '0')}`;
  }

  async insertLink(provider: IdentityProviderRow, claims: ProviderClaims, userId: string): Promise<void> {
    const { store, clock, audit } = this.deps;
    const now = clock.now();
    await store.transaction((tx) =>
      recordLink(tx, audit, { provider, claims, userId, email: claims.email ?? null, now, by: 'email' }),
    );
  }
}
