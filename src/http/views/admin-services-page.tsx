import { KNOWN_SCOPES, type MfaPolicy, type ServiceSummary, type SigningAlg } from '../../core/index.js';
import { AdminNav, yesNo } from './admin-nav.js';
import { formatTime } from './format.js';
import { CsrfField, Layout, type Viewer } from './layout.js';

/** What each policy means to the people signing in, in the words of the policy select. */
export const POLICY_LABELS: Readonly<Record<MfaPolicy, string>> = {
  required: 'Required (always asks for a second factor)',
  user_choice: "User's choice (on once the person has MFA; they may turn it off)",
  not_required: 'Not required',
};

const typeLabel = {
  confidential: 'Confidential (client secret)',
  public: 'Public (PKCE only, no secret)',
} as const;

const servicePath = (id: string) => `/admin/services/${encodeURIComponent(id)}`;

export interface AdminServicesPageProps {
  readonly viewer: Viewer;
  readonly services: readonly ServiceSummary[];
  readonly notice?: string | null | undefined;
}

/** /admin/services: every service with its type and MFA policy, "Add service". */
export function AdminServicesPage({ viewer, services, notice }: AdminServicesPageProps) {
  return (
    <Layout title="Services" viewer={viewer} notice={notice}>
      <AdminNav current="services" />
      <h1>Services</h1>
      <p>
        Services sign people in through Twofold with OpenID Connect. Each asks for a second factor as its MFA
        policy says.
      </p>
      <form method="get" action="/admin/services/new">
        <button type="submit">Add service</button>
      </form>
      {services.length === 0 ? (
        <p>No services yet.</p>
      ) : (
        <div class="table-scroll">
          <table>
            <caption class="muted">
              {services.length} service{services.length === 1 ? '' : 's'}
            </caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Client id</th>
                <th scope="col">Type</th>
                <th scope="col">MFA policy</th>
                <th scope="col">Redirect URIs</th>
              </tr>
            </thead>
            <tbody>
              {services.map((service) => (
                <tr key={service.id}>
                  <td>
                    <a href={servicePath(service.id)}>{service.name}</a>
                  </td>
                  <td>
                    <code>{service.clientId}</code>
                  </td>
                  <td>{service.type}</td>
                  <td>{POLICY_LABELS[service.mfaPolicy]}</td>
                  <td>
                    {service.redirectUris.map((uri) => (
                      <div key={uri}>
                        <code>{uri}</code>
                      </div>
                    ))}
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

/** The fields of "Add service" and of a service's page, as typed (or as stored). */
export interface ServiceFormValues {
  readonly name: string;
  readonly clientId: string;
  readonly type: 'confidential' | 'public';
  /** One URI per line, as in the textarea. */
  readonly redirectUris: string;
  readonly logoutUris: string;
  /** Space-separated. */
  readonly scopes: string;
  readonly skipConsent: boolean;
  readonly mfaPolicy: MfaPolicy;
  readonly signingAlg: SigningAlg;
}

export function formValuesOf(service: ServiceSummary): ServiceFormValues {
  return {
    name: service.name,
    clientId: service.clientId,
    type: service.type,
    redirectUris: service.redirectUris.join('\n'),
    logoutUris: service.logoutUris.join('\n'),
    scopes: service.scopes.join(' '),
    skipConsent: service.skipConsent,
    mfaPolicy: service.mfaPolicy,
    signingAlg: service.signingAlg,
  };
}

export interface AdminServiceFormPageProps {
  readonly viewer: Viewer;
  readonly values: ServiceFormValues;
  /** Absent for "Add service"; the service as stored on its own page. */
  readonly service?: ServiceSummary | undefined;
  /** Shown on a service's page, for the administrator configuring the service. */
  readonly discoveryUrl?: string | undefined;
  readonly error?: string | null | undefined;
  readonly notice?: string | null | undefined;
}

/**
 * "Add service", and a service's own page: what cannot change (client id, type), the form for
 * what can, and the actions. Client id and type are chosen once, when the service is added.
 */
export function AdminServiceFormPage({
  viewer,
  values,
  service,
  discoveryUrl,
  error,
  notice,
}: AdminServiceFormPageProps) {
  const title = service ? service.name : 'Add service';
  const action = service ? `${servicePath(service.id)}/edit` : '/admin/services';
  return (
    <Layout title={title} viewer={viewer} error={error} notice={notice}>
      <AdminNav current="services" />
      <h1>{title}</h1>
      {service && (
        <dl>
          <dt>Client id</dt>
          <dd>
            <code>{service.clientId}</code>
          </dd>
          <dt>Type</dt>
          <dd>{typeLabel[service.type]}</dd>
          {discoveryUrl && (
            <>
              <dt>Discovery URL</dt>
              <dd>
                <code>{discoveryUrl}</code>
              </dd>
            </>
          )}
          <dt>Added</dt>
          <dd>{formatTime(service.createdAt)}</dd>
          <dt>Last changed</dt>
          <dd>{formatTime(service.updatedAt)}</dd>
        </dl>
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
          maxLength={100}
          value={values.name}
        />
        {!service && (
          <>
            <label for="client_id">Client id</label>
            <input
              id="client_id"
              name="client_id"
              type="text"
              autocomplete="off"
              autocapitalize="none"
              spellcheck={false}
              maxLength={64}
              value={values.clientId}
              aria-describedby="client-id-hint"
            />
            <small id="client-id-hint">
              Leave empty to make it from the name. Lower-case letters, digits, dots, dashes and underscores.
            </small>
            <fieldset>
              <legend>Type</legend>
              <label for="type_confidential">
                <input
                  id="type_confidential"
                  type="radio"
                  name="type"
                  value="confidential"
                  checked={values.type !== 'public'}
                />
                Confidential: a server-side application, with a client secret
              </label>
              <label for="type_public">
                <input
                  id="type_public"
                  type="radio"
                  name="type"
                  value="public"
                  checked={values.type === 'public'}
                />
                Public: a single-page or native application, with PKCE and no secret
              </label>
            </fieldset>
          </>
        )}
        <label for="redirect_uris">Redirect URIs</label>
        <textarea id="redirect_uris" name="redirect_uris" rows={3} required aria-describedby="redirect-hint">
          {values.redirectUris}
        </textarea>
        <small id="redirect-hint">
          One per line, matched exactly: https, or http only on 127.0.0.1, [::1] or localhost.
        </small>
        <label for="logout_uris">Logout URIs</label>
        <textarea id="logout_uris" name="logout_uris" rows={2} aria-describedby="logout-hint">
          {values.logoutUris}
        </textarea>
        <small id="logout-hint">One per line, where the service may send people after logging out.</small>
        <label for="mfa_policy">MFA policy</label>
        <select id="mfa_policy" name="mfa_policy">
          {(Object.keys(POLICY_LABELS) as MfaPolicy[]).map((policy) => (
            <option key={policy} value={policy} selected={values.mfaPolicy === policy}>
              {POLICY_LABELS[policy]}
            </option>
          ))}
        </select>
        <label for="scopes">Scopes</label>
        <input
          id="scopes"
          name="scopes"
          type="text"
          autocomplete="off"
          value={values.scopes}
          aria-describedby="scopes-hint"
        />
        <small id="scopes-hint">Any of {KNOWN_SCOPES.join(', ')}, separated by spaces; openid always.</small>
        <label for="signing_alg">ID token signature</label>
        <select id="signing_alg" name="signing_alg">
          <option value="ES256" selected={values.signingAlg === 'ES256'}>
            ES256
          </option>
          <option value="RS256" selected={values.signingAlg === 'RS256'}>
            RS256 (for services that support nothing else)
          </option>
        </select>
        <fieldset>
          <label for="skip_consent">
            <input
              id="skip_consent"
              name="skip_consent"
              type="checkbox"
              value="on"
              checked={values.skipConsent}
              aria-describedby="consent-hint"
            />
            Skip consent
          </label>
          <small id="consent-hint">For a first-party service: nobody is asked to allow it.</small>
        </fieldset>
        <button type="submit">{service ? 'Save' : 'Add service'}</button>
      </form>
      {service ? (
        <section aria-labelledby="actions-heading">
          <h2 id="actions-heading">Actions</h2>
          <div class="actions">
            {service.type === 'confidential' && (
              <form method="get" action={`${servicePath(service.id)}/rotate-secret`}>
                <button type="submit">New client secret</button>
              </form>
            )}
            <form method="get" action={`${servicePath(service.id)}/remove`}>
              <button type="submit">Remove service</button>
            </form>
          </div>
          <p>
            <a href="/admin/services">All services</a>
          </p>
        </section>
      ) : (
        <p>
          <a href="/admin/services">Cancel</a>
        </p>
      )}
    </Layout>
  );
}

export interface AdminServiceSecretPageProps {
  readonly viewer: Viewer;
  readonly service: ServiceSummary;
  /** Absent for a public service. */
  readonly clientSecret: string | undefined;
  readonly discoveryUrl: string;
  /** Just added, rather than given a new secret. */
  readonly added: boolean;
}

/**
 * What the service's own configuration needs: the discovery URL, the client id and, this once,
 * the client secret. Twofold keeps only the secret's hash, so this page cannot be shown again.
 */
export function AdminServiceSecretPage({
  viewer,
  service,
  clientSecret,
  discoveryUrl,
  added,
}: AdminServiceSecretPageProps) {
  const notice = added
    ? `Service ${service.name} was added.`
    : `${service.name} has a new client secret; the previous one no longer works.`;
  return (
    <Layout title={service.name} viewer={viewer} notice={notice}>
      <AdminNav current="services" />
      <h1>{service.name}</h1>
      {clientSecret !== undefined ? (
        <p>
          <strong>
            Copy the client secret now: it is shown only now, and Twofold stores it only as a hash, so it
            cannot be shown again.
          </strong>{' '}
          If it is lost, make a new one on the service's page.
        </p>
      ) : (
        <p>A public service has no client secret: it proves itself with PKCE.</p>
      )}
      <dl>
        <dt>Discovery URL</dt>
        <dd>
          <code>{discoveryUrl}</code>
        </dd>
        <dt>Client id</dt>
        <dd>
          <code id="client-id">{service.clientId}</code>
        </dd>
        {clientSecret !== undefined && (
          <>
            <dt>Client secret</dt>
            <dd>
              <code id="client-secret">{clientSecret}</code>
            </dd>
          </>
        )}
        <dt>MFA policy</dt>
        <dd>{POLICY_LABELS[service.mfaPolicy]}</dd>
        <dt>Skip consent</dt>
        <dd>{yesNo(service.skipConsent)}</dd>
      </dl>
      <p>
        <a href={servicePath(service.id)}>Continue to {service.name}</a>
      </p>
    </Layout>
  );
}
