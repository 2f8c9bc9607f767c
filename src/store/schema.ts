import type { Generated } from 'kysely';

/**
 * The tables as Kysely sees them. Times are integer milliseconds since the epoch and flags are
 * 0/1 integers in both engines, so one query code serves SQLite and PostgreSQL alike.
 */
export interface Database {
  users: UsersTable;
  authenticators: AuthenticatorsTable;
  backup_codes: BackupCodesTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  throttles: ThrottlesTable;
  one_time_links: OneTimeLinksTable;
  webauthn_challenges: WebauthnChallengesTable;
  audit_events: AuditEventsTable;
  meta: MetaTable;
  services: ServicesTable;
  service_preferences: ServicePreferencesTable;
  signing_keys: SigningKeysTable;
  oidc_payloads: OidcPayloadsTable;
  identity_providers: IdentityProvidersTable;
  linked_identities: LinkedIdentitiesTable;
  external_sign_ins: ExternalSignInsTable;
  radius_challenges: RadiusChallengesTable;
}

export interface UsersTable {
  id: string;
  /** Lower case; what people type to log in (or their e-mail). */
  username: string;
  /** Lower case. */
  email: string;
  first_name: Generated<string>;
  last_name: Generated<string>;
  /** argon2id PHC string; null until the user sets a password through a setup link. */
  password_hash: string | null;
  is_admin: Generated<number>;
  /** "OTP Configured": the administrator requires a second factor of this user. */
  otp_required: Generated<number>;
  disabled: Generated<number>;
  backup_codes_confirmed: Generated<number>;
  created_at: number;
  updated_at: number;
  last_login_at: number | null;
}

export interface AuthenticatorsTable {
  id: string;
  user_id: string;
  kind: 'totp' | 'webauthn';
  name: string;
  status: 'pending' | 'active';
  /** TOTP secret sealed under the master key (see security/keyring); never stored in clear. */
  secret_sealed: string | null;
  algorithm: string | null;
  digits: number | null;
  period_seconds: number | null;
  /** The highest TOTP time step accepted so far: a code at or below it is a replay. */
  last_step: Generated<number>;
  credential_id: string | null;
  public_key: string | null;
  sign_count: Generated<number>;
  transports: string | null;
  backup_eligible: Generated<number>;
  backed_up: Generated<number>;
  aaguid: string | null;
  created_at: number;
  activated_at: number | null;
  last_used_at: number | null;
  /** Pending authenticators expire; active ones have null here. */
  expires_at: number | null;
}

export interface BackupCodesTable {
  id: string;
  user_id: string;
  /** Public index inside the code, so one attempt costs one slow-hash check. */
  lookup: string;
  code_hash: string;
  position: number;
  created_at: number;
  used_at: number | null;
}

export interface SessionsTable {
  /** SHA-256 of the random session id; the id itself only ever lives in the cookie or token. */
  id_hash: string;
  user_id: string;
  /** `browser` (cookie) or `api` (bearer token from /api/v1/login). */
  kind: 'browser' | 'api';
  /**
   * `password`: password proven, second factor awaited; `full`: signed in; `enrollment`: signed
   * in but must enroll a required second factor first; `setup`: arrived through a
   * password-setup link, still setting up (factor, password, backup codes).
   */
  /**
   * `services`: the password alone was proven, enough for services whose policy asks no more (a
   * site behind forward-auth with MFA off); Twofold's own pages treat it as signed out.
   */
  stage: 'password' | 'full' | 'enrollment' | 'setup' | 'services';
  csrf_token: string;
  created_at: number;
  expires_at: number;
  /** When the password (or a passkey) was last proven in this session. */
  authenticated_at: number;
  /** When a second factor was last proven in this session. */
  second_factor_at: number | null;
  last_seen_at: number;
  user_agent: string | null;
  ip: string | null;
  /** A one-shot notice for the next page view (e.g. "a backup code was used"). */
  flash: string | null;
  /** Backup codes just generated in this session, sealed, for Download/Print until `backup_codes_until`. */
  backup_codes_sealed: string | null;
  backup_codes_until: number | null;
  /**
   * How this session was authenticated, as RFC 8176 values separated by spaces (`pwd otp`,
   * `hwk user`, …): what a service's policy checks, so a missing factor can be asked for alone.
   */
  amr: Generated<string>;
  /**
   * For a session made by signing in with an external identity provider: JSON
   * `{ "providerId", "name", "amr", "acr" }`, what that provider said of the sign-in.
   */
  external_sign_in: string | null;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface ThrottlesTable {
  /** e.g. `mfa:user:<id>`, `password:user:<id>`, `password:ip:<address>`. */
  key: string;
  /** Failures in a row since the last success. */
  failures: number;
  blocked_until: number;
  /** 1 once the hard limit is reached: only an administrator or a backup code clears it. */
  locked: number;
  updated_at: number;
}

export interface OneTimeLinksTable {
  id: string;
  token_hash: string;
  user_id: string | null;
  purpose: 'password_setup' | 'admin_setup';
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface WebauthnChallengesTable {
  id: string;
  challenge: string;
  user_id: string | null;
  purpose: 'registration' | 'authentication' | 'passkey';
  created_at: number;
  expires_at: number;
}

export interface AuditEventsTable {
  id: Generated<number>;
  created_at: number;
  type: string;
  user_id: string | null;
  actor_id: string | null;
  ip: string | null;
  /** JSON object with event details; never secrets, codes or passwords. */
  detail: string;
}

export interface MetaTable {
  key: string;
  value: string;
}

/**
 * A service that signs people in through Twofold: an OpenID Connect client, a site behind a
 * reverse proxy, an application calling the validate API, or a RADIUS client.
 */
export interface ServicesTable {
  id: string;
  client_id: string;
  name: string;
  kind: Generated<'oidc' | 'site' | 'application' | 'radius'>;
  /**
   * SHA-256 of the client secret (256 random bits) of an OIDC client or an application; null for
   * a public client (PKCE only), a site and a RADIUS client.
   */
  secret_hash: string | null;
  /** A site's JSON array of `host` or `host/path-prefix` entries, lower case. */
  hosts: Generated<string>;
  /** A RADIUS client's JSON array of addresses or CIDR networks it sends from. */
  networks: Generated<string>;
  /** A RADIUS client's shared secret, sealed under the master keyring. */
  radius_secret_sealed: string | null;
  /** JSON arrays of absolute URIs, matched exactly (OIDC clients only; `[]` otherwise). */
  redirect_uris: string;
  logout_uris: string;
  /** Space-separated scopes the service may ask for. */
  scopes: string;
  skip_consent: Generated<number>;
  mfa_policy: 'required' | 'user_choice' | 'not_required';
  /** How its ID tokens are signed: ES256, or RS256 for clients that know nothing else. */
  signing_alg: Generated<'ES256' | 'RS256'>;
  created_at: number;
  updated_at: number;
}

/** A RADIUS Access-Challenge waiting for its one-time code: the password step was right. */
export interface RadiusChallengesTable {
  /** SHA-256 of the State attribute sent to the client (random, 256 bits). */
  state_hash: string;
  service_id: string;
  user_id: string;
  expires_at: number;
}

/** The person's own choice for a service ("Service Settings"), and their last sign-in to it. */
export interface ServicePreferencesTable {
  user_id: string;
  service_id: string;
  /** 1: the person turned MFA off for this service (only where the policy is user's choice). */
  mfa_off: Generated<number>;
  last_sign_in_at: number | null;
  updated_at: number;
}

/** The provider's token signing keys; the private JWK is sealed under the master keyring. */
export interface SigningKeysTable {
  kid: string;
  alg: 'ES256' | 'RS256';
  private_jwk_sealed: string;
  created_at: number;
  /** Set when a newer key took over; still published until tokens it signed have expired. */
  retired_at: number | null;
}

/** What oidc-provider stores through its adapter, one row per model and id. */
export interface OidcPayloadsTable {
  model: string;
  id: string;
  /** The payload as JSON. */
  payload: string;
  grant_id: string | null;
  /** The service it was issued to, so removing the service removes what it holds. */
  client_id: string | null;
  /** The person it was issued for, so they can revoke what a service holds. */
  account_id: string | null;
  user_code: string | null;
  uid: string | null;
  expires_at: number | null;
  consumed_at: number | null;
}

export interface IdentityProvidersTable {
  id: string;
  /** In the provider's URLs: `/login/idp/<slug>` and its callback. */
  slug: string;
  /** "Sign in with <name>". */
  name: string;
  issuer: string;
  client_id: string;
  /** Sealed with the master keyring; null for a public client (PKCE alone). */
  client_secret_sealed: string | null;
  /** Space-separated; always with `openid`. */
  scopes: string;
  /** `linked`: only accounts linked first; `email`: by verified e-mail; `create`: new accounts too. */
  matching: 'linked' | 'email' | 'create';
  /** Space-separated domains new accounts are limited to (`create`); empty: any. */
  email_domains: string;
  /** Whether the provider's sign-in stands for Twofold's second factor. */
  mfa_policy: 'trust_provider' | 'trust_provider_mfa' | 'always_twofold';
  /** Space-separated `acr` values of the provider that mean multi-factor. */
  mfa_acr_values: string;
  created_at: number;
  updated_at: number;
}

export interface LinkedIdentitiesTable {
  provider_id: string;
  /** The provider's `sub`. */
  subject: string;
  user_id: string;
  /** The address the provider gave when the link was made, for people to recognise it. */
  email: string | null;
  linked_at: number;
  last_used_at: number | null;
}

/** A sign-in sent to an external provider and not yet back; each row is used once. */
export interface ExternalSignInsTable {
  /** SHA-256 of the `state` sent to the provider. */
  state_hash: string;
  provider_id: string;
  /** SHA-256 of the cookie that ties the sign-in to the browser that started it. */
  browser_hash: string;
  /** `login`, or `link` to add the provider to the signed-in `user_id`'s account. */
  purpose: 'login' | 'link';
  user_id: string | null;
  /** The PKCE code verifier, sealed. */
  verifier_sealed: string;
  nonce: string;
  /** Where to go once signed in (a path on Twofold). */
  next: string | null;
  created_at: number;
  expires_at: number;
}
