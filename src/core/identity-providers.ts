import { discover, isAllowedIssuerUrl, ProviderError } from '../federation/provider-client.js';
import type { Keyring } from '../security/index.js';
import { randomId } from '../security/index.js';
import { type IdentityProviderRow, type Store, uniqueViolation } from '../store/index.js';
import type { AuditLog } from './audit.js';
import type { Clock } from './clock.js';
import { TwofoldError } from './errors.js';
import { isoTime } from './iso-time.js';

/** How a person signing in with the provider is matched to a Twofold account. */
export type AccountMatching = IdentityProviderRow['matching'];
export const ACCOUNT_MATCHING: readonly AccountMatching[] = ['linked', 'email', 'create'];

/** Whether the provider's sign-in stands for Twofold's second factor. */
export type ProviderMfaPolicy = IdentityProviderRow['mfa_policy'];
export const PROVIDER_MFA_POLICIES: readonly ProviderMfaPolicy[] = [
  'trust_provider',
  'trust_provider_mfa',
  'always_twofold',
];

export const DEFAULT_PROVIDER_SCOPES: readonly string[] = ['openid', 'email', 'profile'];

const SLUG = /^[a-z0-9][a-z0-9-]{0,39}$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** A provider as lists and pages show it: never its client secret. */
export interface IdentityProviderSummary {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly hasClientSecret: boolean;
  readonly scopes: readonly string[];
  readonly matching: AccountMatching;
  readonly emailDomains: readonly string[];
  readonly mfaPolicy: ProviderMfaPolicy;
  readonly mfaAcrValues: readonly string[];
  /** The redirect URI to register at the provider for Twofold. */
  readonly redirectUri: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface NewIdentityProvider {
  readonly name: string;
  /** In Twofold's URLs; defaults to the name in lower case with dashes. */
  readonly slug?: string | undefined;
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret?: string | undefined;
  readonly scopes?: readonly string[] | undefined;
  readonly matching?: AccountMatching | undefined;
  readonly emailDomains?: readonly string[] | undefined;
  readonly mfaPolicy?: ProviderMfaPolicy | undefined;
  readonly mfaAcrValues?: readonly string[] | undefined;
}

export type IdentityProviderPatch = Partial<Omit<NewIdentityProvider, 'slug'>>;

/** Who changes the list: an administrator's id, or `cli` for the command line. */
export type ProviderActor = string | 'cli';

export interface IdentityProvidersDependencies {
  readonly store: Store;
  readonly keyring: Keyring;
  readonly clock: Clock;
  readonly audit: AuditLog;
  readonly publicUrl: string;
}

export const clientSecretContext = (providerId: string) => `idp-client-secret:${providerId}`;

/**
 * The external OpenID Connect providers people may sign in with, as administrators add them.
 * A provider is saved only after its discovery document was fetched and validated, so a typo
 * in the issuer is an error at once, not a broken button on the login page.
 */
export class IdentityProviders {
  constructor(private readonly deps: IdentityProvidersDependencies) {}

  async add(input: NewIdentityProvider, actor: ProviderActor): Promise<IdentityProviderSummary> {
    const { store, keyring, clock, audit } = this.deps;
    const name = checkName(input.name);
    const slug = checkSlug(input.slug ?? slugOf(name));
    const issuer = checkIssuer(input.issuer);
    const clientId = checkClientId(input.clientId);
    const clientSecret = checkSecret(input.clientSecret);
    await this.refuseTaken(name, slug);
    await checkDiscovery(issuer, clientId, clientSecret);
    const id = randomId();
    const now = clock.now();
    const row: IdentityProviderRow = {
      id,
      slug,
      name,
      issuer,
      client_id: clientId,
      client_secret_sealed:
        clientSecret === undefined ? null : keyring.seal(clientSecret, clientSecretContext(id)),
      scopes: checkScopes(input.scopes ?? DEFAULT_PROVIDER_SCOPES).join(' '),
      matching: checkMatching(input.matching ?? 'linked'),
      email_domains: checkDomains(input.emailDomains ?? []).join(' '),
      mfa_policy: checkMfaPolicy(input.mfaPolicy ?? 'trust_provider'),
      mfa_acr_values: checkAcrValues(input.mfaAcrValues ?? []).join(' '),
      created_at: now,
      updated_at: now,
    };
    try {
      await store.transaction(async (tx) => {
        await tx.identityProviders.insert(row);
        await audit.record(
          {
            type: 'idp.added',
            actorId: actorId(actor),
            detail: { provider: name, issuer, matching: row.matching, mfa_policy: row.mfa_policy },
          },
          tx,
        );
      });
    } catch (error) {
      if (uniqueViolation(error)) throw taken(name, slug);
      throw error;
    }
    return this.summarize(row);
  }

  async list(): Promise<IdentityProviderSummary[]> {
    return (await this.deps.store.identityProviders.list()).map((row) => this.summarize(row));
  }

  /** A provider by its slug, name or id, as an administrator would type it. */
  async show(reference: string): Promise<IdentityProviderSummary> {
    return this.summarize(await this.find(reference));
  }

  async update(
    reference: string,
    patch: IdentityProviderPatch,
    actor: ProviderActor,
  ): Promise<IdentityProviderSummary> {
    const { store, keyring, clock, audit } = this.deps;
    const row = await this.find(reference);
    const changes: Partial<IdentityProviderRow> = {};
    if (patch.name !== undefined) {
      changes.name = checkName(patch.name);
      if (changes.name !== row.name && (await store.identityProviders.findByName(changes.name))) {
        throw taken(changes.name, undefined);
      }
    }
    if (patch.issuer !== undefined) changes.issuer = checkIssuer(patch.issuer);
    if (patch.clientId !== undefined) changes.client_id = checkClientId(patch.clientId);
    const storedSecret = row.client_secret_sealed === null ? undefined : this.clientSecretOf(row);
    let secret = storedSecret;
    if (patch.clientSecret !== undefined && checkSecret(patch.clientSecret) !== storedSecret) {
      secret = checkSecret(patch.clientSecret);
      changes.client_secret_sealed =
        secret === undefined ? null : keyring.seal(secret, clientSecretContext(row.id));
    }
    if (patch.scopes !== undefined) changes.scopes = checkScopes(patch.scopes).join(' ');
    if (patch.matching !== undefined) changes.matching = checkMatching(patch.matching);
    if (patch.emailDomains !== undefined) changes.email_domains = checkDomains(patch.emailDomains).join(' ');
    if (patch.mfaPolicy !== undefined) changes.mfa_policy = checkMfaPolicy(patch.mfaPolicy);
    if (patch.mfaAcrValues !== undefined)
      changes.mfa_acr_values = checkAcrValues(patch.mfaAcrValues).join(' ');
    // A form sends every field: what equals the stored value is no change (and needs no discovery).
    for (const key of Object.keys(changes) as (keyof IdentityProviderRow)[]) {
      if (key !== 'client_secret_sealed' && changes[key] === row[key]) delete changes[key];
    }
    if (changes.issuer !== undefined || changes.client_id !== undefined) {
      await checkDiscovery(changes.issuer ?? row.issuer, changes.client_id ?? row.client_id, secret);
    }
    const updated: IdentityProviderRow = { ...row, ...changes, updated_at: clock.now() };
    const changed = Object.keys(changes).map((key) =>
      key === 'client_secret_sealed' ? 'client_secret' : key,
    );
    await store.transaction(async (tx) => {
      await tx.identityProviders.update(row.id, { ...changes, updated_at: updated.updated_at });
      await audit.record(
        {
          type: 'idp.updated',
          actorId: actorId(actor),
          detail: {
            provider: updated.name,
            changed: changed.join(' '),
            ...(changes.mfa_policy !== undefined && changes.mfa_policy !== row.mfa_policy
              ? { mfa_policy_from: row.mfa_policy, mfa_policy: changes.mfa_policy }
              : {}),
            ...(changes.matching !== undefined && changes.matching !== row.matching
              ? { matching_from: row.matching, matching: changes.matching }
              : {}),
          },
        },
        tx,
      );
    });
    return this.summarize(updated);
  }

  /** Removes the provider and every account's link to it; its sign-ins under way stop too. */
  async remove(reference: string, actor: ProviderActor): Promise<IdentityProviderSummary> {
    const { store, audit } = this.deps;
    const row = await this.find(reference);
    await store.transaction(async (tx) => {
      const links = await tx.identityProviders.countLinks(row.id);
      await tx.identityProviders.remove(row.id);
      await audit.record(
        { type: 'idp.removed', actorId: actorId(actor), detail: { provider: row.name, links } },
        tx,
      );
    });
    return this.summarize(row);
  }

  /** The provider a login button or callback names; undefined when there is none by that slug. */
  async findBySlug(slug: string): Promise<IdentityProviderRow | undefined> {
    if (!SLUG.test(slug)) return undefined;
    return this.deps.store.identityProviders.findBySlug(slug);
  }

  clientSecretOf(row: IdentityProviderRow): string | undefined {
    if (row.client_secret_sealed === null) return undefined;
    return this.deps.keyring.unseal(row.client_secret_sealed, clientSecretContext(row.id)).toString('utf8');
  }

  redirectUri(slug: string): string {
    return `${this.deps.publicUrl}/login/idp/${slug}/callback`;
  }

  summarize(row: IdentityProviderRow): IdentityProviderSummary {
    return {
      id: row.id,
      slug: row.slug,
      name: row.name,
      issuer: row.issuer,
      clientId: row.client_id,
      hasClientSecret: row.client_secret_sealed !== null,
      scopes: row.scopes.split(' '),
      matching: row.matching,
      emailDomains: row.email_domains ? row.email_domains.split(' ') : [],
      mfaPolicy: row.mfa_policy,
      mfaAcrValues: row.mfa_acr_values ? row.mfa_acr_values.split(' ') : [],
      redirectUri: this.redirectUri(row.slug),
      createdAt: isoTime(row.created_at),
      updatedAt: isoTime(row.updated_at),
    };
  }

  private async find(reference: string): Promise<IdentityProviderRow> {
    const { identityProviders } = this.deps.store;
    const trimmed = reference.trim();
    const row =
      (SLUG.test(trimmed) ? await identityProviders.findBySlug(trimmed) : undefined) ??
      (await identityProviders.findByName(trimmed)) ??
      (await identityProviders.findById(trimmed));
    if (!row) throw new TwofoldError('not_found', `No identity provider "${reference}".`);
    return row;
  }

  private async refuseTaken(name: string, slug: string): Promise<void> {
    const { identityProviders } = this.deps.store;
    if (await identityProviders.findByName(name)) throw taken(name, undefined);
    if (await identityProviders.findBySlug(slug)) throw taken(undefined, slug);
  }
}

async function checkDiscovery(
  issuer: string,
  clientId: string,
  clientSecret: string | undefined,
): Promise<void> {
  try {
    await discover({ issuer, clientId, clientSecret });
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    throw new TwofoldError(
      'invalid_input',
      `Twofold could not read the OpenID Connect discovery document of "${issuer}" ` +
        `(${issuer.replace(/\/$/, '')}/.well-known/openid-configuration): ${error.message.replace(/\.?$/, '.')} ` +
        'Check the issuer URL: it must be exactly the provider\'s "issuer", reachable from this server.',
      { field: 'issuer' },
    );
  }
}

function actorId(actor: ProviderActor): string | null {
  return actor === 'cli' ? null : actor;
}

function taken(name: string | undefined, slug: string | undefined): TwofoldError {
  return name !== undefined
    ? new TwofoldError('conflict', `An identity provider named "${name}" already exists.`, { field: 'name' })
    : new TwofoldError('conflict', `An identity provider with the slug "${slug}" already exists.`, {
        field: 'slug',
      });
}

function slugOf(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
}

function checkName(raw: string): string {
  const name = (raw ?? '').trim().replace(/\s+/g, ' ');
  if (name.length === 0 || name.length > 60 || /\p{Cc}/u.test(name)) {
    throw new TwofoldError(
      'invalid_input',
      'An identity provider needs a name of 1 to 60 characters (shown as "Sign in with <name>").',
      { field: 'name' },
    );
  }
  return name;
}

function checkSlug(raw: string): string {
  if (!SLUG.test(raw)) {
    throw new TwofoldError(
      'invalid_input',
      `Invalid slug "${raw.slice(0, 60)}": use 1 to 40 lower-case letters, digits or dashes, starting with a letter or digit.`,
      { field: 'slug' },
    );
  }
  return raw;
}

function checkIssuer(raw: string): string {
  const value = (raw ?? '').trim();
  const refuse = (reason: string) =>
    new TwofoldError('invalid_input', `Invalid issuer "${value.slice(0, 200)}": ${reason}`, {
      field: 'issuer',
    });
  if (value.length > 500) throw refuse('use at most 500 characters.');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw refuse('it must be an absolute URL, such as https://login.example.com/realms/staff.');
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw refuse('it must not contain a query, a fragment or credentials.');
  }
  if (!isAllowedIssuerUrl(url)) throw refuse('use https, or http only on 127.0.0.1, [::1] or localhost.');
  return value;
}

function checkClientId(raw: string): string {
  const value = (raw ?? '').trim();
  if (value.length === 0 || value.length > 255 || /[\p{Cc}\s]/u.test(value)) {
    throw new TwofoldError(
      'invalid_input',
      'The client id is the one the provider gave Twofold when you registered it: 1 to 255 characters, no spaces.',
      { field: 'clientId' },
    );
  }
  return value;
}

function checkSecret(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw.length > 500 || /\p{Cc}/u.test(raw)) {
    throw new TwofoldError('invalid_input', 'The client secret must be at most 500 printable characters.', {
      field: 'clientSecret',
    });
  }
  return raw;
}

function checkScopes(raw: readonly string[]): string[] {
  const scopes = new Set(['openid']);
  for (const scope of raw.flatMap((value) => value.split(/[\s,]+/)).filter(Boolean)) {
    if (!/^[\x21\x23-\x5b\x5d-\x7e]{1,100}$/.test(scope)) {
      throw new TwofoldError('invalid_input', `Invalid scope "${scope.slice(0, 100)}".`, { field: 'scopes' });
    }
    scopes.add(scope);
  }
  if (scopes.size > 20) throw new TwofoldError('invalid_input', 'At most 20 scopes.', { field: 'scopes' });
  return [...scopes];
}

function checkMatching(raw: string): AccountMatching {
  if (!(ACCOUNT_MATCHING as readonly string[]).includes(raw)) {
    throw new TwofoldError(
      'invalid_input',
      `Invalid account matching "${raw}": use linked (accounts link the provider first), email (by verified e-mail) or create (new accounts too).`,
      { field: 'matching' },
    );
  }
  return raw as AccountMatching;
}

function checkMfaPolicy(raw: string): ProviderMfaPolicy {
  if (!(PROVIDER_MFA_POLICIES as readonly string[]).includes(raw)) {
    throw new TwofoldError(
      'invalid_input',
      `Invalid second-factor policy "${raw}": use ${PROVIDER_MFA_POLICIES.join(', ')}.`,
      { field: 'mfaPolicy' },
    );
  }
  return raw as ProviderMfaPolicy;
}

function checkDomains(raw: readonly string[]): string[] {
  const domains = new Set<string>();
  for (const domain of raw.flatMap((value) => value.toLowerCase().split(/[\s,]+/)).filter(Boolean)) {
    const bare = domain.replace(/^@/, '');
    if (!DOMAIN.test(bare)) {
      throw new TwofoldError(
        'invalid_input',
        `Invalid e-mail domain "${domain.slice(0, 100)}", e.g. example.com.`,
        {
          field: 'emailDomains',
        },
      );
    }
    domains.add(bare);
  }
  if (domains.size > 50)
    throw new TwofoldError('invalid_input', 'At most 50 e-mail domains.', { field: 'emailDomains' });
  return [...domains];
}

function checkAcrValues(raw: readonly string[]): string[] {
  const values = new Set<string>();
  for (const value of raw.flatMap((v) => v.split(/[\s,]+/)).filter(Boolean)) {
    if (value.length > 200 || /\p{Cc}/u.test(value)) {
      throw new TwofoldError('invalid_input', `Invalid acr value "${value.slice(0, 100)}".`, {
        field: 'mfaAcrValues',
      });
    }
    values.add(value);
  }
  return [...values];
}
