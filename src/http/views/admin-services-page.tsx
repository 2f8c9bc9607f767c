import type { MfaPolicy, ServiceSummary } from '../../core/index.js';
import { AdminNav, yesNo } from './admin-nav.js';
import { CsrfField, Layout, type Viewer } from './layout.js';

export const POLICY_LABELS: Readonly<Record<MfaPolicy, string>> = {
  required: 'Required (always asks for a second factor)',
  user_choice: "User's choice (on once the person has MFA; they may turn it off)",
  not_required: 'Not required',
};

const servicePath = (clientId: string) => `/admin/services/${encodeURIComponent(clientId)}`;

/** /admin/services: every service with its policy. */
export function AdminServicesPage({
  viewer,
  services,
  notice,
}: {
  readonly viewer: Viewer;
  readonly services: readonly ServiceSummary[];
  readonly notice?: string | null | undefined;
}) {
  return (
    <Layout title="Services" viewer={viewer} notice={notice}>
      <AdminNav current="services" />
      <h1>Services</h1>
      <p>Services sign people in through Twofold with OpenID Connect; each has its own MFA policy.</p>
      <p>
        <a href="/admin/services/new">Add service</a>
      </p>
      {services.length === 0 ? (
        <p>No services yet.</p>
      ) : (
        <table>
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
                  <a href={servicePath(service.clientId)}>{service.name}</a>
                </td>
                <td>
                  <code>{service.clientId}</code>
                </td>
                <td>{service.type}</td>
                <td>{POLICY_LABELS[service.mfaPolicy]}</td>
                <td>{service.redirectUris.join(' ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}

/** The fields of "Add service" and of a service's page, as typed or as stored. */
export interface ServiceFormValues {
  readonly name: string;
  readonly clientId: string;
  readonly type: 'confidential' | 'public';
  readonly redirectUris: string;
  readonly logoutUris: string;
  readonly scopes: string;
  readonly skipConsent: boolean;
  readonly mfaPolicy: MfaPolicy;
  readonly signingAlg: 'ES256' | 'RS256';
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

/** "Add service", or the edit form on a service's page (`service` given). */
export function AdminServiceFormPage({
  viewer,
  values,
  service,
  discoveryUrl,
  error,
  notice,
}: {
  readonly viewer: Viewer;
  readonly values: ServiceFormValues;
  readonly service?: ServiceSummary | undefined;
  readonly discoveryUrl: string;
  readonly error?: string | null | undefined;
  readonly notice?: string | null | undefined;
}) {
  const title = service ? service.name : 'Add service';
  const action = service ? `${servicePath(service.clientId)}/edit` : '/admin/services';
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
          <dd>
            {service.type === 'public' ? 'Public (PKCE only, no secret)' : 'Confidential (client secret)'}
          </dd>
          <dt>Discovery URL</dt>
          <dd>
            <code>{discoveryUrl}</code>
          </dd>
          <dt>Skip consent</dt>
          <dd>{yesNo(service.skipConsent)}</dd>
        </dl>
      )}
      <form method="post" action={action}>
        <CsrfField token={viewer.csrfToken} />
        <label for="name">Name</label>
        <input id="name" name="name" type="text" required maxLength={100} value={values.name} />
        {!service && (
          <>
            <label for="client_id">Client id</label>
            <input
              id="client_id"
              name="client_id"
              type="text"
              maxLength={64}
              value={values.clientId}
              aria-describedby="client-id-hint"
            />
            <small id="client-id-hint">Leave empty to derive it from the name.</small>
            <fieldset>
              <legend>Type</legend>
              <label>
                <input
                  type="radio"
                  name="type"
                  value="confidential"
                  checked={values.type === 'confidential'}
                />{' '}
                Confidential: a server-side application, with a client secret
              </label>
              <label>
                <input type="radio" name="type" value="public" checked={values.type === 'public'} /> Public: a
                single-page or native application, PKCE only
              </label>
            </fieldset>
          </>
        )}
        <label for="redirect_uris">Redirect URIs</label>
        <textarea id="redirect_uris" name="redirect_uris" rows={3} required aria-describedby="redirect-hint">
          {values.redirectUris}
        </textarea>
        <small id="redirect-hint">
          One per line, matched exactly: https, or http on 127.0.0.1, [::1] or localhost.
        </small>
        <label for="logout_uris">Logout URIs</label>
        <textarea id="logout_uris" name="logout_uris" rows={2}>
          {values.logoutUris}
        </textarea>
        <label for="mfa_policy">MFA policy</label>
        <select id="mfa_policy" name="mfa_policy">
          {(Object.keys(POLICY_LABELS) as MfaPolicy[]).map((policy) => (
            <option key={policy} value={policy} selected={values.mfaPolicy === policy}>
              {POLICY_LABELS[policy]}
            </option>
          ))}
        </select>
        <label for="scopes">Scopes</label>
        <input id="scopes" name="scopes" type="text" value={values.scopes} aria-describedby="scopes-hint" />
        <small id="scopes-hint">Any of openid, profile, email, offline_access.</small>
        <label for="signing_alg">ID token signature</label>
        <select id="signing_alg" name="signing_alg">
          <option value="ES256" selected={values.signingAlg === 'ES256'}>
            ES256
          </option>
          <option value="RS256" selected={values.signingAlg === 'RS256'}>
            RS256 (for services that support nothing else)
          </option>
        </select>
        <label>
          <input type="checkbox" name="skip_consent" checked={values.skipConsent} /> Skip consent (a
          first-party service)
        </label>
        <button type="submit">{service ? 'Save' : 'Add service'}</button>
      </form>
      {service && (
        <div class="actions">
          {service.type === 'confidential' && (
            <form method="post" action={`${servicePath(service.clientId)}/rotate-secret`}>
              <CsrfField token={viewer.csrfToken} />
              <button type="submit" class="secondary">
                New client secret
              </button>
            </form>
          )}
          <form method="post" action={`${servicePath(service.clientId)}/remove`}>
            <CsrfField token={viewer.csrfToken} />
            <button type="submit" class="secondary">
              Remove service
            </button>
          </form>
        </div>
      )}
    </Layout>
  );
}

/** The client secret, this once. */
export function AdminServiceSecretPage({
  viewer,
  service,
  clientSecret,
  discoveryUrl,
}: {
  readonly viewer: Viewer;
  readonly service: ServiceSummary;
  readonly clientSecret: string | undefined;
  readonly discoveryUrl: string;
}) {
  return (
    <Layout title={service.name} viewer={viewer}>
      <AdminNav current="services" />
      <h1>{service.name}</h1>
      <dl>
        <dt>Discovery URL</dt>
        <dd>
          <code>{discoveryUrl}</code>
        </dd>
        <dt>Client id</dt>
        <dd>
          <code>{service.clientId}</code>
        </dd>
        {clientSecret !== undefined && (
          <>
            <dt>Client secret</dt>
            <dd>
              <code id="client-secret">{clientSecret}</code>
            </dd>
          </>
        )}
      </dl>
      {clientSecret !== undefined ? (
        <p class="notice" role="status">
          Copy the client secret now: it is shown only this once, and Twofold keeps only its hash.
        </p>
      ) : (
        <p>A public service has no secret: it proves itself with PKCE.</p>
      )}
      <p>
        <a href={servicePath(service.clientId)}>Continue</a>
      </p>
    </Layout>
  );
}
