/** Where the provider's endpoints live, under one prefix so they never collide with Twofold's pages. */
export const OIDC_ROUTES = {
  authorization: '/oidc/auth',
  token: '/oidc/token',
  userinfo: '/oidc/userinfo',
  jwks: '/oidc/jwks',
  end_session: '/oidc/logout',
  revocation: '/oidc/revoke',
  introspection: '/oidc/introspect',
} as const;

export const INTERACTION_PREFIX = '/oidc/interaction/';
