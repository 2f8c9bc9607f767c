import {
  KNOWN_SCOPES,
  type MfaPolicy,
  type ServiceKind,
  type ServiceSummary,
  type SigningAlg,
} from '../../core/index.js';

/** What each policy means to the people signing in, in the words of the policy select. */
export const POLICY_LABELS: Readonly<Record<MfaPolicy, string>> = {
  required: 'Required (always asks for a second factor)',
  user_choice: "User's choice (on once the person has MFA; they may turn it off)",
  not_required: 'Not required',
};

/** Each kind as the administrator picks it on "Add service", and what it is for. */
export const KIND_LABELS: Readonly<Record<ServiceKind, { readonly name: string; readonly what: string }>> = {
  oidc: {
    name: 'OpenID Connect service',
    what: 'an application that signs people in with OpenID Connect (Grafana, GitLab, Nextcloud, …)',
  },
  site: {
    name: 'Protected site',
    what: 'a web site behind nginx, Traefik or Caddy, which asks Twofold about each request (forward-auth)',
  },
  application: {
    name: 'Application',
    what: 'a program that checks a person’s code with the validate API, with its own client id and secret',
  },
  radius: {
    name: 'RADIUS client',
    what: 'a VPN or a network device that signs people in over RADIUS, with a shared secret',
  },
};

export const SERVICE_KIND_ORDER: readonly ServiceKind[] = ['oidc', 'site', 'application', 'radius'];

/** The fields of "Add service" and of a service's page, as typed (or as stored). */
export interface ServiceFormValues {
  readonly kind: ServiceKind;
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
  /** A site's host names, one per line. */
  readonly hosts: string;
  /** A RADIUS client's addresses or networks, one per line. */
  readonly networks: string;
  /** A RADIUS client's shared secret as typed on "Add service"; empty to have one made. */
  readonly radiusSecret: string;
}

export function emptyFormOf(kind: ServiceKind): ServiceFormValues {
  return {
    kind,
    name: '',
    clientId: '',
    type: 'confidential',
    redirectUris: '',
    logoutUris: '',
    scopes: 'openid profile email offline_access',
    skipConsent: false,
    mfaPolicy: 'required',
    signingAlg: 'ES256',
    hosts: '',
    networks: '',
    radiusSecret: '',
  };
}

export function formValuesOf(service: ServiceSummary): ServiceFormValues {
  return {
    kind: service.kind,
    name: service.name,
    clientId: service.clientId,
    type: service.type,
    redirectUris: service.redirectUris.join('\n'),
    logoutUris: service.logoutUris.join('\n'),
    scopes: service.scopes.join(' '),
    skipConsent: service.skipConsent,
    mfaPolicy: service.mfaPolicy,
    signingAlg: service.signingAlg,
    hosts: service.hosts.join('\n'),
    networks: service.networks.join('\n'),
    radiusSecret: '',
  };
}

/** The type radios of a new OpenID Connect service; a type never changes afterwards. */
export function TypeFields({ values }: { values: ServiceFormValues }) {
  return (
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
        <input id="type_public" type="radio" name="type" value="public" checked={values.type === 'public'} />
        Public: a single-page or native application, with PKCE and no secret
      </label>
    </fieldset>
  );
}

/** What an OpenID Connect service has: where people come back to, scopes, signature, consent. */
export function OidcFields({ values }: { values: ServiceFormValues }) {
  return (
    <>
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
    </>
  );
}

export function OidcOptionFields({ values }: { values: ServiceFormValues }) {
  return (
    <>
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
    </>
  );
}

/** A protected site's host names, each optionally with a path prefix. */
export function SiteFields({ values }: { values: ServiceFormValues }) {
  return (
    <>
      <label for="hosts">Host names</label>
      <textarea id="hosts" name="hosts" rows={3} required aria-describedby="hosts-hint">
        {values.hosts}
      </textarea>
      <small id="hosts-hint">
        One per line, as the proxy receives them: wiki.example.com, or wiki.example.com/admin for a path and
        everything under it.
      </small>
    </>
  );
}

/** A RADIUS client's networks and, when it is added, its shared secret. */
export function RadiusFields({ values, adding }: { values: ServiceFormValues; adding: boolean }) {
  return (
    <>
      <label for="networks">Addresses or networks</label>
      <textarea id="networks" name="networks" rows={2} required aria-describedby="networks-hint">
        {values.networks}
      </textarea>
      <small id="networks-hint">
        One per line: the address the device sends from (10.0.0.5) or its network (10.0.0.0/24). Packets from
        anywhere else are dropped.
      </small>
      {adding && (
        <>
          <label for="radius_secret">Shared secret</label>
          <input
            id="radius_secret"
            name="radius_secret"
            type="text"
            autocomplete="off"
            spellcheck={false}
            value={values.radiusSecret}
            aria-describedby="radius-secret-hint"
          />
          <small id="radius-secret-hint">
            Leave empty to have a strong one made (recommended); otherwise the one already set on the device,
            at least 16 characters.
          </small>
        </>
      )}
    </>
  );
}

export function PolicyField({ values }: { values: ServiceFormValues }) {
  return (
    <>
      <label for="mfa_policy">MFA policy</label>
      <select id="mfa_policy" name="mfa_policy">
        {(Object.keys(POLICY_LABELS) as MfaPolicy[]).map((policy) => (
          <option key={policy} value={policy} selected={values.mfaPolicy === policy}>
            {POLICY_LABELS[policy]}
          </option>
        ))}
      </select>
    </>
  );
}
