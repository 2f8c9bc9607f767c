import type { FastifyBaseLogger } from 'fastify';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { ACR_VALUES, type Core, KNOWN_SCOPES } from '../core/index.js';
import { compareHashedClientSecret, oidcAdapterFactory } from './adapter.js';
import { findAccount } from './claims.js';
import { servicePolicyChecks } from './interaction-policy.js';
import { endTwofoldSessionOnLogout } from './logout.js';
import { renderLogoutPage, renderOidcError, renderSignedOutPage } from './pages.js';
import { INTERACTION_PREFIX, OIDC_ROUTES } from './paths.js';
import { recordServiceSignIns } from './sign-in-record.js';

/** Lifetimes, in seconds. Codes are short; ID tokens an hour (see RETIRED_KEY_PUBLISHED_MS). */
export const OIDC_TTL = {
  AuthorizationCode: 60,
  AccessToken: 10 * 60,
  IdToken: 60 * 60,
  Interaction: 30 * 60,
  Session: 12 * 60 * 60,
  Grant: 30 * 24 * 60 * 60,
  RefreshToken: 30 * 24 * 60 * 60,
} as const;

/**
 * The OpenID Connect provider (oidc-provider: certified, maintained), configured for Twofold:
 * its storage is our database, its clients are the registered services, its accounts our users,
 * and whether a session is enough for a service is Twofold's policy (interaction-policy.ts).
 */
export async function createProvider(core: Core, log?: FastifyBaseLogger): Promise<Provider> {
  const [keys, cookieKeys] = await Promise.all([core.signingKeys.load(), core.signingKeys.cookieKeys()]);
  const secure = core.settings.publicUrl.startsWith('https:');
  const configuration: Configuration = {
    adapter: oidcAdapterFactory(core.store, core.clock),
    jwks: { keys: keys as never },
    // `Secure` is added by oidc-provider itself whenever the request counts as https (below).
    cookies: {
      keys: cookieKeys,
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    findAccount: (_ctx, sub) => findAccount(core, sub),
    claims: {
      sid: null,
      iss: null,
      // How the person signed in, in every ID token (RFC 8176 amr; acr from ACR_VALUES).
      openid: ['sub', 'acr', 'amr', 'auth_time'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username'],
      email: ['email', 'email_verified'],
    },
    scopes: [...KNOWN_SCOPES],
    acrValues: [...ACR_VALUES],
    responseTypes: ['code'],
    // PKCE for every service, confidential ones too (OAuth 2.1): a stolen code is then useless.
    pkce: { required: () => true },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      id_token_signed_response_alg: 'ES256',
      token_endpoint_auth_method: 'client_secret_basic',
    },
    enabledJWA: {
      idTokenSigningAlgValues: ['ES256', 'RS256'],
      userinfoSigningAlgValues: ['ES256', 'RS256'],
      introspectionSigningAlgValues: ['ES256', 'RS256'],
      authorizationSigningAlgValues: ['ES256', 'RS256'],
      requestObjectSigningAlgValues: ['ES256', 'RS256'],
      clientAuthSigningAlgValues: ['ES256', 'RS256'],
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: renderLogoutPage,
        postLogoutSuccessSource: renderSignedOutPage,
      },
      revocation: { enabled: true },
      introspection: { enabled: true },
      userinfo: { enabled: true },
      claimsParameter: { enabled: true },
    },
    routes: OIDC_ROUTES,
    ttl: { ...OIDC_TTL },
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    interactions: {
      url: (_ctx, interaction) => `${INTERACTION_PREFIX}${interaction.uid}`,
      policy: servicePolicyChecks(core),
    },
    loadExistingGrant: (ctx) => loadExistingGrant(core, ctx),
    renderError: renderOidcError,
  };
  const provider = new Provider(core.settings.publicUrl, configuration);
  // Behind the TLS-terminating proxy an https public URL implies, requests arrive as plain http;
  // routes.ts marks them https (and drops forwarded addresses, which Twofold never trusts).
  provider.proxy = secure;
  // A confidential service's stored `client_secret` is the SHA-256 of its secret (adapter.ts).
  provider.Client.prototype.compareClientSecret = compareHashedClientSecret;
  recordServiceSignIns(provider, core);
  endTwofoldSessionOnLogout(provider, core);
  provider.use(async (ctx, next) => {
    ctx.set('x-content-type-options', 'nosniff');
    ctx.set('referrer-policy', 'no-referrer');
    await next();
  });
  provider.on('server_error', (_ctx, error) => log?.error({ err: error }, 'OpenID Connect provider error'));
  return provider;
}

/**
 * The person's earlier consent to a service, or — for a first-party service an administrator
 * marked "skip consent" — a consent given on their behalf for the scopes the service may have.
 */
async function loadExistingGrant(core: Core, ctx: KoaContextWithOIDC) {
  const { oidc } = ctx;
  const clientId = oidc.client?.clientId;
  const accountId = oidc.session?.accountId;
  if (!clientId || !accountId) return undefined;
  const grantId = oidc.result?.consent?.grantId ?? oidc.session?.grantIdFor(clientId);
  if (grantId) {
    const grant = await oidc.provider.Grant.find(grantId);
    if (grant) return grant;
  }
  const service = await core.store.services.findByClientId(clientId);
  if (service?.skip_consent !== 1) return undefined;
  const grant = new oidc.provider.Grant({ clientId, accountId });
  grant.addOIDCScope(service.scopes);
  await grant.save();
  return grant;
}
