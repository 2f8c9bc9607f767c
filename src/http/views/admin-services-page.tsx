import { Fragment } from 'preact';
import type { ServiceKind, ServiceSummary } from '../../core/index.js';
import { AdminNav, yesNo } from './admin-nav.js';
import {
  KIND_LABELS,
  OidcFields,
  OidcOptionFields,
  POLICY_LABELS,
  PolicyField,
  RadiusFields,
  SERVICE_KIND_ORDER,
  type ServiceFormValues,
  SiteFields,
  TypeFields,
} from './admin-service-fields.js';
import { formatTime } from './format.js';
import { CsrfField, Layout, type Viewer } from './layout.js';

const typeLabel = {
  confidential: 'Confidential (client secret)',
  public: 'Public (PKCE only, no secret)',
} as const;

const servicePath = (id: string) => `/admin/services/${encodeURIComponent(id)}`;

/** How the list names a service's kind: an OpenID Connect client also says its type. */
function kindCell(service: ServiceSummary): string {
  return service.kind === 'oidc' ? `OpenID Connect, ${service.type}` : KIND_LABELS[service.kind].name;
}

/** Where a service is: its redirect URIs, a site's hosts, a RADIUS client's networks. */
function whereOf(service: ServiceSummary): readonly string[] {
  if (service.kind === 'site') return service.hosts;
  if (service.kind === 'radius') return service.networks;
  return service.redirectUris;
}

export interface AdminServicesPageProps {
  readonly viewer: Viewer;
  readonly services: readonly ServiceSummary[];
  readonly notice?: string | null | undefined;
}

/** /admin/services: every service with its kind and MFA policy, "Add service". */
export function AdminServicesPage({ viewer, services, notice }: AdminServicesPageProps) {
  return (
    <Layout title="Services" viewer={viewer} notice={notice}>
      <AdminNav current="services" />
      <h1>Services</h1>
      <p>
        Services sign people in through Twofold: with OpenID Connect, behind a reverse proxy, with the
        validate API or over RADIUS. Each asks for a second factor as its MFA policy says.
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
                <th scope="col">Kind</th>
                <th scope="col">MFA policy</th>
                <th scope="col">Redirect URIs, hosts or networks</th>
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
                  <td>{kindCell(service)}</td>
                  <td>{POLICY_LABELS[service.mfaPolicy]}</td>
                  <td>
                    {whereOf(service).map((entry) => (
                      <div key={entry}>
                        <code>{entry}</code>
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

/** "Add service": the kinds to choose from, the one shown marked; each is a link, no script. */
function KindChooser({ current }: { current: ServiceKind }) {
  return (
    <nav aria-label="Kind of service">
      <ul>
        {SERVICE_KIND_ORDER.map((kind) => (
          <li key={kind}>
            <a
              href={`/admin/services/new?kind=${kind}`}
              {...(kind === current ? { 'aria-current': 'page' } : {})}
            >
              {KIND_LABELS[kind].name}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

export interface AdminServiceFormPageProps {
  readonly viewer: Viewer;
  readonly values: ServiceFormValues;
  /** Absent for "Add service"; the service as stored on its own page. */
  readonly service?: ServiceSummary | undefined;
  /** Where the service's own configuration points: Twofold's public URL. */
  readonly publicUrl: string;
  readonly error?: string | null | undefined;
  readonly notice?: string | null | undefined;
}

/**
 * "Add service", and a service's own page: what cannot change (kind, client id, type), the form
 * for what can — the fields of its kind only — and the actions. Kind, client id and type are
 * chosen once, when the service is added.
 */
export function AdminServiceFormPage({
  viewer,
  values,
  service,
  publicUrl,
  error,
  notice,
}: AdminServiceFormPageProps) {
  const kind = service ? service.kind : values.kind;
  const title = service ? service.name : `Add ${KIND_LABELS[kind].name.toLowerCase()}`;
  const action = service ? `${servicePath(service.id)}/edit` : '/admin/services';
  const hasSecret =
    service && (service.kind === 'oidc' ? service.type === 'confidential' : service.kind !== 'site');
  return (
    <Layout title={title} viewer={viewer} error={error} notice={notice}>
      <AdminNav current="services" />
      <h1>{title}</h1>
      {service ? (
        <dl>
          <dt>Kind</dt>
          <dd>{KIND_LABELS[service.kind].name}</dd>
          <dt>Client id</dt>
          <dd>
            <code>{service.clientId}</code>
          </dd>
          {service.kind === 'oidc' && (
            <>
              <dt>Type</dt>
              <dd>{typeLabel[service.type]}</dd>
            </>
          )}
          <Endpoints kind={service.kind} publicUrl={publicUrl} />
          <dt>Added</dt>
          <dd>{formatTime(service.createdAt)}</dd>
          <dt>Last changed</dt>
          <dd>{formatTime(service.updatedAt)}</dd>
        </dl>
      ) : (
        <>
          <KindChooser current={kind} />
          <p>
            {KIND_LABELS[kind].name}: {KIND_LABELS[kind].what}.
          </p>
        </>
      )}
      <form method="post" action={action}>
        <CsrfField token={viewer.csrfToken} />
        {!service && <input type="hidden" name="kind" value={kind} />}
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
            {kind === 'oidc' && <TypeFields values={values} />}
          </>
        )}
        {kind === 'oidc' && <OidcFields values={values} />}
        {kind === 'site' && <SiteFields values={values} />}
        {kind === 'radius' && <RadiusFields values={values} adding={!service} />}
        <PolicyField values={values} />
        {kind === 'oidc' && <OidcOptionFields values={values} />}
        <button type="submit">{service ? 'Save' : 'Add service'}</button>
      </form>
      {service ? (
        <section aria-labelledby="actions-heading">
          <h2 id="actions-heading">Actions</h2>
          <div class="actions">
            {hasSecret && (
              <form method="get" action={`${servicePath(service.id)}/rotate-secret`}>
                <button type="submit">
                  {service.kind === 'radius' ? 'New shared secret' : 'New client secret'}
                </button>
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

/** The addresses a service of this kind is configured with, as `dt`/`dd` pairs. */
function Endpoints({ kind, publicUrl }: { kind: ServiceKind; publicUrl: string }) {
  const entries: [string, string][] =
    kind === 'oidc'
      ? [['Discovery URL', `${publicUrl}/.well-known/openid-configuration`]]
      : kind === 'site'
        ? [
            ['Forward-auth (Traefik, Caddy)', `${publicUrl}/api/authz/forward-auth`],
            ['auth_request (nginx)', `${publicUrl}/api/authz/auth-request`],
          ]
        : kind === 'application'
          ? [['Validate URL', `${publicUrl}/api/v1/validate`]]
          : [];
  return (
    <>
      {entries.map(([term, url]) => (
        <Fragment key={term}>
          <dt>{term}</dt>
          <dd>
            <code>{url}</code>
          </dd>
        </Fragment>
      ))}
    </>
  );
}

export interface AdminServiceSecretPageProps {
  readonly viewer: Viewer;
  readonly service: ServiceSummary;
  /** Absent for a public service and a site. */
  readonly clientSecret: string | undefined;
  readonly publicUrl: string;
  /** Just added, rather than given a new secret. */
  readonly added: boolean;
}

/**
 * What the service's own configuration needs: where to reach Twofold, the client id and, this
 * once, the secret. Twofold keeps a client secret only as its hash, so this page cannot be shown
 * again; a RADIUS secret is kept sealed to sign the answers, and still shown only here.
 */
export function AdminServiceSecretPage({
  viewer,
  service,
  clientSecret,
  publicUrl,
  added,
}: AdminServiceSecretPageProps) {
  const radius = service.kind === 'radius';
  const secretName = radius ? 'shared secret' : 'client secret';
  const notice = added
    ? `Service ${service.name} was added.`
    : `${service.name} has a new ${secretName}; the previous one no longer works.`;
  return (
    <Layout title={service.name} viewer={viewer} notice={notice}>
      <AdminNav current="services" />
      <h1>{service.name}</h1>
      {clientSecret === undefined ? (
        <p>
          {service.kind === 'site'
            ? 'A protected site has no secret: its reverse proxy asks Twofold about each request.'
            : 'A public service has no client secret: it proves itself with PKCE.'}
        </p>
      ) : radius ? (
        <p>
          <strong>Copy the shared secret now and set it on the device: it is shown only now.</strong> If it is
          lost, make a new one on the service's page.
        </p>
      ) : (
        <p>
          <strong>
            Copy the client secret now: it is shown only now, and Twofold stores it only as a hash, so it
            cannot be shown again.
          </strong>{' '}
          If it is lost, make a new one on the service's page.
        </p>
      )}
      <dl>
        <dt>Kind</dt>
        <dd>{KIND_LABELS[service.kind].name}</dd>
        <Endpoints kind={service.kind} publicUrl={publicUrl} />
        <dt>Client id</dt>
        <dd>
          <code id="client-id">{service.clientId}</code>
        </dd>
        {clientSecret !== undefined && (
          <>
            <dt>{radius ? 'Shared secret' : 'Client secret'}</dt>
            <dd>
              <code id={radius ? 'radius-secret' : 'client-secret'}>{clientSecret}</code>
            </dd>
          </>
        )}
        {service.kind === 'site' && (
          <>
            <dt>Host names</dt>
            <dd>
              {service.hosts.map((host) => (
                <div key={host}>
                  <code>{host}</code>
                </div>
              ))}
            </dd>
          </>
        )}
        {radius && (
          <>
            <dt>Addresses or networks</dt>
            <dd>
              {service.networks.map((network) => (
                <div key={network}>
                  <code>{network}</code>
                </div>
              ))}
            </dd>
          </>
        )}
        <dt>MFA policy</dt>
        <dd>{POLICY_LABELS[service.mfaPolicy]}</dd>
        {service.kind === 'oidc' && (
          <>
            <dt>Skip consent</dt>
            <dd>{yesNo(service.skipConsent)}</dd>
          </>
        )}
      </dl>
      <p>
        <a href={servicePath(service.id)}>Continue to {service.name}</a>
      </p>
    </Layout>
  );
}
