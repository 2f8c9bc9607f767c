import { Fragment } from 'preact';
import type { AccountMatching, IdentityProviderSummary, ProviderMfaPolicy } from '../../core/index.js';
import { AdminNav } from './admin-nav.js';
import { formatTime } from './format.js';
import { CsrfField, Layout, type Viewer } from './layout.js';

/** Each policy's name, and what the administrator gives up or gains with it, in one sentence. */
export const PROVIDER_POLICIES: Readonly<
  Record<ProviderMfaPolicy, { readonly label: string; readonly tradeOff: string }>
> = {
  trust_provider: {
    label: 'Trust the provider',
    tradeOff:
      "No Twofold code is asked, which is convenient, but an account is then only as safe as the provider's own sign-in, which may be a password alone.",
  },
  trust_provider_mfa: {
    label: "Trust the provider's MFA",
    tradeOff:
      'The Twofold code is skipped only when the provider\'s ID token reports multi-factor (amr "mfa", or one of the acr values below), so you rely on the provider reporting it truthfully, and everyone else is asked for a Twofold factor.',
  },
  always_twofold: {
    label: 'Always require a Twofold factor',
    tradeOff:
      'A Twofold factor is asked after every sign-in with the provider, the strongest choice, but people who have none cannot sign in this way.',
  },
};

export const MATCHING_LABELS: Readonly<
  Record<AccountMatching, { readonly label: string; readonly hint: string }>
> = {
  linked: {
    label: 'Linked accounts only',
    hint: 'A person first signs in here and links the provider from their account page.',
  },
  email: {
    label: 'By verified e-mail',
    hint: 'The e-mail address the provider says is verified finds an existing account, so the provider vouches for every address it issues.',
  },
  create: {
    label: 'By verified e-mail, and create accounts',
    hint: 'As by verified e-mail, and someone unknown gets a new account (only at the e-mail domains below, when given).',
  },
};

const providerPath = (id: string) => `/admin/identity-providers/${encodeURIComponent(id)}`;

export interface AdminIdentityProvidersPageProps {
  readonly viewer: Viewer;
  readonly providers: readonly IdentityProviderSummary[];
  readonly notice?: string | null | undefined;
}

/** /admin/identity-providers: every provider with its matching and second-factor policy. */
export function AdminIdentityProvidersPage({ viewer, providers, notice }: AdminIdentityProvidersPageProps) {
  return (
    <Layout title="Identity providers" viewer={viewer} notice={notice}>
      <AdminNav current="identity-providers" />
      <h1>Identity providers</h1>
      <p>
        People may sign in to Twofold with these external OpenID Connect providers: the login page shows "Sign
        in with" each of them. Each provider's second-factor policy decides whether Twofold asks for its own
        code too.
      </p>
      <form method="get" action="/admin/identity-providers/new">
        <button type="submit">Add identity provider</button>
      </form>
      {providers.length === 0 ? (
        <p>No identity providers yet.</p>
      ) : (
        <div class="table-scroll">
          <table>
            <caption class="muted">
              {providers.length} identity provider{providers.length === 1 ? '' : 's'}
            </caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Issuer</th>
                <th scope="col">Accounts</th>
                <th scope="col">Second factor</th>
                <th scope="col">Redirect URI</th>
              </tr>
            </thead>
            <tbody>
              {providers.map((provider) => (
                <tr key={provider.id}>
                  <td>
                    <a href={providerPath(provider.id)}>{provider.name}</a>
                  </td>
                  <td>
                    <code>{provider.issuer}</code>
                  </td>
                  <td>{MATCHING_LABELS[provider.matching].label}</td>
                  <td>{PROVIDER_POLICIES[provider.mfaPolicy].label}</td>
                  <td>
                    <code>{provider.redirectUri}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Layout>
  );
}

/** The fields of "Add identity provider" and of a provider's page, as typed (or as stored). */
export interface IdentityProviderFormValues {
  readonly name: string;
  readonly slug: string;
  readonly issuer: string;
  readonly clientId: string;
  /** Never rendered back: a refused form asks for it again. */
  readonly clientSecret: string;
  readonly removeClientSecret: boolean;
  /** Space-separated, as are the domains and acr values. */
  readonly scopes: string;
  readonly matching: AccountMatching;
  readonly emailDomains: string;
  readonly mfaPolicy: ProviderMfaPolicy;
  readonly mfaAcrValues: string;
}

export function formValuesOf(provider: IdentityProviderSummary): IdentityProviderFormValues {
  return {
    name: provider.name,
    slug: provider.slug,
    issuer: provider.issuer,
    clientId: provider.clientId,
    clientSecret: '',
    removeClientSecret: false,
    scopes: provider.scopes.join(' '),
    matching: provider.matching,
    emailDomains: provider.emailDomains.join(' '),
    mfaPolicy: provider.mfaPolicy,
    mfaAcrValues: provider.mfaAcrValues.join(' '),
  };
}

export interface AdminIdentityProviderFormPageProps {
  readonly viewer: Viewer;
  readonly values: IdentityProviderFormValues;
  /** Absent for "Add identity provider"; the provider as stored on its own page. */
  readonly provider?: IdentityProviderSummary | undefined;
  readonly error?: string | null | undefined;
  readonly notice?: string | null | undefined;
}

/**
 * "Add identity provider", and a provider's own page: the redirect URI to register at the
 * provider first, since nothing works until it is; then the form. The slug is chosen once: it
 * is in that redirect URI.
 */
export function AdminIdentityProviderFormPage({
  viewer,
  values,
  provider,
  error,
  notice,
}: AdminIdentityProviderFormPageProps) {
  const title = provider ? provider.name : 'Add identity provider';
  const action = provider ? `${providerPath(provider.id)}/edit` : '/admin/identity-providers';
  // A refused form does not echo the secret into the page; the administrator types it again.
  const secretDropped = Boolean(error) && values.clientSecret !== '';
  return (
    <Layout title={title} viewer={viewer} error={error} notice={notice}>
      <AdminNav current="identity-providers" />
      <h1>{title}</h1>
      {provider ? (
        <>
          <p class="notice" id="redirect-uri">
            Register this redirect URI at {provider.name} for the client <code>{provider.clientId}</code>:{' '}
            <code>{provider.redirectUri}</code>
          </p>
          <dl>
            <dt>Slug</dt>
            <dd>
              <code>{provider.slug}</code>
            </dd>
            <dt>Client secret</dt>
            <dd>
              {provider.hasClientSecret ? 'Set (sealed; never shown)' : 'None: a public client, PKCE only'}
            </dd>
            <dt>Added</dt>
            <dd>{formatTime(provider.createdAt)}</dd>
            <dt>Last changed</dt>
            <dd>{formatTime(provider.updatedAt)}</dd>
          </dl>
        </>
      ) : (
        <p>
          Register Twofold as a client at the provider first, with the redirect URI{' '}
          <code>…/login/idp/&lt;slug&gt;/callback</code> (the exact URI is shown once the provider is added).
          Twofold fetches the provider's discovery document when you save, so the issuer must be reachable
          from this server.
        </p>
      )}
      <form method="post" action={action}>
        <CsrfField token={viewer.csrfToken} />
        <label for="name">Name</label>
        <input
          id="name"
          name="name"
          type="text"
          autocomplete="off"
          required
          maxLength={60}
          value={values.name}
          aria-describedby="name-hint"
        />
        <small id="name-hint">Shown on the login page as "Sign in with {values.name || '<name>'}".</small>
        {!provider && (
          <>
            <label for="slug">Slug</label>
            <input
              id="slug"
              name="slug"
              type="text"
              autocomplete="off"
              autocapitalize="none"
              spellcheck={false}
              maxLength={40}
              value={values.slug}
              aria-describedby="slug-hint"
            />
            <small id="slug-hint">
              In the redirect URI; it cannot change later. Leave empty to make it from the name: lower-case
              letters, digits and dashes.
            </small>
          </>
        )}
        <label for="issuer">Issuer</label>
        <input
          id="issuer"
          name="issuer"
          type="url"
          autocomplete="off"
          required
          maxLength={500}
          value={values.issuer}
          aria-describedby="issuer-hint"
        />
        <small id="issuer-hint">
          Exactly the provider's "issuer", e.g. https://login.example.com/realms/staff: https, or http only on
          127.0.0.1, [::1] or localhost.
        </small>
        <label for="client_id">Client id</label>
        <input
          id="client_id"
          name="client_id"
          type="text"
          autocomplete="off"
          autocapitalize="none"
          spellcheck={false}
          required
          maxLength={255}
          value={values.clientId}
        />
        <label for="client_secret">Client secret</label>
        <input
          id="client_secret"
          name="client_secret"
          type="password"
          autocomplete="new-password"
          maxLength={500}
          value=""
          aria-describedby="secret-hint"
        />
        <small id="secret-hint">
          {secretDropped ? 'The client secret was not kept with the refused form: enter it again. ' : ''}
          {provider?.hasClientSecret
            ? 'Leave empty to keep the current secret. '
            : 'Leave empty for a public client, which proves itself with PKCE alone. '}
          It is sealed at rest and never shown.
        </small>
        {provider?.hasClientSecret && (
          <label for="remove_client_secret">
            <input
              id="remove_client_secret"
              name="remove_client_secret"
              type="checkbox"
              value="on"
              checked={values.removeClientSecret}
            />
            Remove the client secret (a public client from now on)
          </label>
        )}
        <label for="scopes">Scopes</label>
        <input
          id="scopes"
          name="scopes"
          type="text"
          autocomplete="off"
          value={values.scopes}
          aria-describedby="scopes-hint"
        />
        <small id="scopes-hint">Separated by spaces; openid always.</small>
        <fieldset>
          <legend>Accounts</legend>
          {(Object.keys(MATCHING_LABELS) as AccountMatching[]).map((matching) => (
            <Fragment key={matching}>
              <label for={`matching_${matching}`}>
                <input
                  id={`matching_${matching}`}
                  type="radio"
                  name="matching"
                  value={matching}
                  checked={values.matching === matching}
                  aria-describedby={`matching-${matching}-hint`}
                />
                {MATCHING_LABELS[matching].label}
              </label>
              <small id={`matching-${matching}-hint`}>{MATCHING_LABELS[matching].hint}</small>
            </Fragment>
          ))}
        </fieldset>
        <label for="email_domains">E-mail domains for new accounts</label>
        <input
          id="email_domains"
          name="email_domains"
          type="text"
          autocomplete="off"
          value={values.emailDomains}
          aria-describedby="domains-hint"
        />
        <small id="domains-hint">
          With "create accounts": only addresses at these domains, separated by spaces. Empty for any.
        </small>
        <fieldset>
          <legend>Second factor</legend>
          {(Object.keys(PROVIDER_POLICIES) as ProviderMfaPolicy[]).map((policy) => (
            <Fragment key={policy}>
              <label for={`mfa_policy_${policy}`}>
                <input
                  id={`mfa_policy_${policy}`}
                  type="radio"
                  name="mfa_policy"
                  value={policy}
                  checked={values.mfaPolicy === policy}
                  aria-describedby={`mfa-policy-${policy}-hint`}
                />
                {PROVIDER_POLICIES[policy].label}
              </label>
              <small id={`mfa-policy-${policy}-hint`}>{PROVIDER_POLICIES[policy].tradeOff}</small>
            </Fragment>
          ))}
        </fieldset>
        <label for="mfa_acr_values">acr values that count as MFA</label>
        <input
          id="mfa_acr_values"
          name="mfa_acr_values"
          type="text"
          autocomplete="off"
          value={values.mfaAcrValues}
          aria-describedby="acr-hint"
        />
        <small id="acr-hint">
          With "Trust the provider's MFA": values of the ID token's acr that mean multi-factor at this
          provider, separated by spaces; amr "mfa" counts anyway.
        </small>
        <button type="submit">{provider ? 'Save' : 'Add identity provider'}</button>
      </form>
      {provider ? (
        <section aria-labelledby="actions-heading">
          <h2 id="actions-heading">Actions</h2>
          <div class="actions">
            <form method="get" action={`${providerPath(provider.id)}/remove`}>
              <button type="submit">Remove identity provider</button>
            </form>
          </div>
          <p>
            <a href="/admin/identity-providers">All identity providers</a>
          </p>
        </section>
      ) : (
        <p>
          <a href="/admin/identity-providers">Cancel</a>
        </p>
      )}
    </Layout>
  );
}
