import * as client from 'openid-client';

/**
 * Twofold as the client of an external OpenID Connect provider: discovery, the authorization
 * request (code flow, PKCE S256, `state`, `nonce`) and the callback, all through openid-client,
 * which validates the ID token (signature against the provider's JWKS, `iss`, `aud`, `exp`,
 * `nonce`). Nothing here reads a token by hand.
 */

export interface ProviderEndpoint {
  readonly issuer: string;
  readonly clientId: string;
  /** Absent for a public client, which proves itself with PKCE alone. */
  readonly clientSecret?: string | undefined;
}

/** What went wrong, in words a page can say, and whose fault it was. */
export type ProviderFailure =
  /** The provider could not be reached, or did not answer as an OpenID Connect provider. */
  | 'unreachable'
  /** The provider refused the code exchange (wrong client secret, a code already used, …). */
  | 'refused'
  /** The person (or the provider) declined the sign-in at the provider. */
  | 'denied'
  /** The answer did not pass validation: ID token audience, expiry, nonce, signature, state. */
  | 'invalid';

export class ProviderError extends Error {
  constructor(
    readonly failure: ProviderFailure,
    message: string,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

/** What the provider said about the person and how they authenticated. */
export interface ProviderClaims {
  readonly sub: string;
  readonly email: string | undefined;
  readonly emailVerified: boolean;
  readonly name: string | undefined;
  readonly preferredUsername: string | undefined;
  readonly amr: readonly string[];
  readonly acr: string | undefined;
}

const TIMEOUT_SECONDS = 10;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** http only for a provider on this machine (tests, a second instance beside this one). */
export function isAllowedIssuerUrl(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
}

export async function discover(endpoint: ProviderEndpoint): Promise<client.Configuration> {
  const issuer = new URL(endpoint.issuer);
  try {
    return await client.discovery(
      issuer,
      endpoint.clientId,
      undefined,
      endpoint.clientSecret ? client.ClientSecretBasic(endpoint.clientSecret) : client.None(),
      {
        timeout: TIMEOUT_SECONDS,
        ...(issuer.protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : {}),
      },
    );
  } catch (error) {
    throw new ProviderError('unreachable', describe(error));
  }
}

export interface AuthorizationChecks {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
}

export function newChecks(): AuthorizationChecks {
  return {
    state: client.randomState(),
    nonce: client.randomNonce(),
    codeVerifier: client.randomPKCECodeVerifier(),
  };
}

export async function authorizationUrl(
  config: client.Configuration,
  request: { redirectUri: string; scopes: readonly string[]; checks: AuthorizationChecks },
): Promise<URL> {
  return client.buildAuthorizationUrl(config, {
    redirect_uri: request.redirectUri,
    scope: request.scopes.join(' '),
    response_type: 'code',
    state: request.checks.state,
    nonce: request.checks.nonce,
    code_challenge: await client.calculatePKCECodeChallenge(request.checks.codeVerifier),
    code_challenge_method: 'S256',
  });
}

/**
 * The callback: the code exchanged, the ID token validated, and the profile completed from
 * `userinfo` when the ID token left it out (providers that follow OpenID Connect Core §5.4 put
 * scope-requested claims only there). `amr` and `acr` come from the ID token alone.
 */
export async function redeem(
  config: client.Configuration,
  callbackUrl: URL,
  checks: AuthorizationChecks,
): Promise<ProviderClaims> {
  let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
  try {
    tokens = await client.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: checks.codeVerifier,
      expectedState: checks.state,
      expectedNonce: checks.nonce,
      idTokenExpected: true,
    });
  } catch (error) {
    throw classify(error);
  }
  const id = tokens.claims();
  if (!id) throw new ProviderError('invalid', 'The provider sent no ID token.');
  let profile: Record<string, unknown> = id;
  if (id.email === undefined && tokens.access_token && config.serverMetadata().userinfo_endpoint) {
    try {
      profile = { ...(await client.fetchUserInfo(config, tokens.access_token, id.sub)), ...id };
    } catch (error) {
      throw classify(error);
    }
  }
  return {
    sub: id.sub,
    email: typeof profile.email === 'string' ? profile.email.toLowerCase() : undefined,
    emailVerified: profile.email_verified === true || profile.email_verified === 'true',
    name: typeof profile.name === 'string' ? profile.name : undefined,
    preferredUsername:
      typeof profile.preferred_username === 'string' ? profile.preferred_username : undefined,
    amr: Array.isArray(id.amr) ? id.amr.filter((value): value is string => typeof value === 'string') : [],
    acr: typeof id.acr === 'string' ? id.acr : undefined,
  };
}

function classify(error: unknown): ProviderError {
  if (error instanceof client.AuthorizationResponseError) {
    return new ProviderError(
      'denied',
      `The provider answered "${error.error}"${error.error_description ? `: ${error.error_description}` : ''}.`,
    );
  }
  if (error instanceof client.ResponseBodyError) {
    return new ProviderError(
      'refused',
      `The provider refused the sign-in: "${error.error}"${error.error_description ? ` (${error.error_description})` : ''}.`,
    );
  }
  if (error instanceof client.WWWAuthenticateChallengeError) {
    // A 401 from the token endpoint: the provider did not accept Twofold's client credentials.
    return new ProviderError(
      'refused',
      `The provider refused Twofold's client credentials (HTTP ${error.status}).`,
    );
  }
  if (
    error instanceof client.ClientError ||
    (error instanceof Error && error.name === 'OperationProcessingError')
  ) {
    return new ProviderError('invalid', `The provider's answer did not pass validation: ${error.message}.`);
  }
  return new ProviderError('unreachable', describe(error));
}

function describe(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  const message = error instanceof Error ? error.message : String(error);
  return `${message}${cause}`;
}
