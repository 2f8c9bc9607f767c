import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Core, IdentityProviderPatch, IdentityProviderSummary } from '../../core/index.js';
import { adminGuard, adminOnly } from './admin-guard.js';
import { bearerSecurity, errorResponses, IsoTime, RequestBody, sensitive } from './schemas.js';

const Matching = Type.Union([Type.Literal('linked'), Type.Literal('email'), Type.Literal('create')], {
  description:
    'How a person is matched to an account: `linked`: only accounts that linked the provider from their ' +
    'account page; `email`: an existing account with the verified e-mail the provider sends; `create`: ' +
    'that, and a new account for someone unknown (limited to `emailDomains` when given).',
});
const MfaPolicy = Type.Union(
  [Type.Literal('trust_provider'), Type.Literal('trust_provider_mfa'), Type.Literal('always_twofold')],
  {
    description:
      "`trust_provider`: no Twofold factor is asked, so an account is only as safe as the provider's sign-in; " +
      "`trust_provider_mfa`: no Twofold factor only when the provider's ID token reports multi-factor (`amr` " +
      'contains `mfa`, or an `acr` in `mfaAcrValues`), relying on the provider to report it truthfully; ' +
      '`always_twofold`: a Twofold factor after every sign-in with the provider, and people without one cannot ' +
      'sign in this way.',
  },
);
const Words = (description: string, maxItems: number) =>
  Type.Array(Type.String({ maxLength: 500 }), { maxItems, description });
const Name = Type.String({ minLength: 1, maxLength: 60, description: 'Shown as "Sign in with <name>".' });
const Issuer = Type.String({
  minLength: 1,
  maxLength: 500,
  description:
    "The provider's issuer, exactly as its discovery document says: https (http only on loopback). The " +
    'discovery document is fetched and checked before anything is saved; a 400 with `field: "issuer"` says why it failed.',
});
const ClientId = Type.String({
  minLength: 1,
  maxLength: 255,
  description: 'What the provider gave Twofold.',
});

const ProviderSchema = Type.Object(
  {
    id: Type.String(),
    slug: Type.String({ description: "In Twofold's URLs: /login/idp/{slug}." }),
    name: Type.String(),
    issuer: Type.String(),
    clientId: Type.String(),
    hasClientSecret: Type.Boolean({
      description: 'Whether a client secret is kept (sealed); it is never returned.',
    }),
    scopes: Type.Array(Type.String()),
    matching: Matching,
    emailDomains: Type.Array(Type.String()),
    mfaPolicy: MfaPolicy,
    mfaAcrValues: Type.Array(Type.String()),
    redirectUri: Type.String({ description: 'The redirect URI to register at the provider for Twofold.' }),
    createdAt: IsoTime,
    updatedAt: IsoTime,
  },
  { description: 'An external OpenID Connect provider people may sign in with; never its client secret.' },
);

const NewProviderBody = RequestBody({
  name: Name,
  slug: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 40,
      description: 'Lower-case letters, digits and dashes; default: from the name. It cannot change later.',
    }),
  ),
  issuer: Issuer,
  clientId: ClientId,
  clientSecret: Type.Optional(
    Type.String({
      maxLength: 500,
      description: 'Sealed at rest and never returned. Leave it out for a public client (PKCE only).',
    }),
  ),
  scopes: Type.Optional(Words('Default: openid email profile; `openid` is always included.', 20)),
  matching: Type.Optional(Matching),
  emailDomains: Type.Optional(Words('With `create`: new accounts only for addresses at these domains.', 50)),
  mfaPolicy: Type.Optional(MfaPolicy),
  mfaAcrValues: Type.Optional(
    Words('With `trust_provider_mfa`: `acr` values that count as multi-factor too.', 20),
  ),
});

const PatchProviderBody = RequestBody({
  name: Type.Optional(Name),
  issuer: Type.Optional(Issuer),
  clientId: Type.Optional(ClientId),
  clientSecret: Type.Optional(
    Type.Union([Type.String({ maxLength: 500 }), Type.Null()], {
      description: 'A new secret; `null` (or "") removes it, making a public client.',
    }),
  ),
  scopes: Type.Optional(Words('All of them.', 20)),
  matching: Type.Optional(Matching),
  emailDomains: Type.Optional(Words('All of them; [] for any.', 50)),
  mfaPolicy: Type.Optional(MfaPolicy),
  mfaAcrValues: Type.Optional(Words('All of them; [] for none.', 20)),
});

const ProviderParams = Type.Object({
  provider: Type.String({ minLength: 1, maxLength: 100, description: 'The slug (or the name, or the id).' }),
});

const toJson = (provider: IdentityProviderSummary) => ({
  ...provider,
  scopes: [...provider.scopes],
  emailDomains: [...provider.emailDomains],
  mfaAcrValues: [...provider.mfaAcrValues],
});

/**
 * External identity providers in the administration API: what `twofold idp` and the admin page
 * "Identity providers" do. Changes are audited with the administrator as actor and need a fresh
 * second factor; a client secret goes in, never out.
 */
export const adminIdentityProviderRoutes: FastifyPluginAsyncTypebox<{ core: Core }> = async (
  app,
  { core },
) => {
  const { guard, recent } = adminGuard(core);
  const providers = core.identityProviders;
  const tags = ['administration'];

  app.get(
    '/admin/identity-providers',
    {
      ...guard,
      schema: {
        tags,
        summary: 'The external OpenID Connect providers people may sign in with',
        description: adminOnly,
        security: bearerSecurity,
        response: {
          200: Type.Object(
            { identityProviders: Type.Array(ProviderSchema) },
            { description: 'Every provider, by name.' },
          ),
          ...errorResponses(401, 403),
        },
      },
    },
    async () => ({ identityProviders: (await providers.list()).map(toJson) }),
  );

  app.post(
    '/admin/identity-providers',
    {
      ...guard,
      schema: {
        tags,
        summary: 'Add an external identity provider',
        description: `Its discovery document is fetched and checked first. Register the answer's \`redirectUri\` at the provider.${sensitive}${adminOnly}`,
        security: bearerSecurity,
        body: NewProviderBody,
        response: { 201: ProviderSchema, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const session = await recent(request);
      return reply.code(201).send(toJson(await providers.add(request.body, session.user.id)));
    },
  );

  app.get(
    '/admin/identity-providers/:provider',
    {
      ...guard,
      schema: {
        tags,
        summary: 'One identity provider',
        description: adminOnly,
        security: bearerSecurity,
        params: ProviderParams,
        response: { 200: ProviderSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => toJson(await providers.show(request.params.provider)),
  );

  app.patch(
    '/admin/identity-providers/:provider',
    {
      ...guard,
      schema: {
        tags,
        summary: 'Change an identity provider: name, issuer, client, scopes, matching, second-factor policy',
        description: `Fields left out stay as they are; a new issuer or client id is checked by discovery first.${sensitive}${adminOnly}`,
        security: bearerSecurity,
        params: ProviderParams,
        body: PatchProviderBody,
        response: { 200: ProviderSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const session = await recent(request);
      const { clientSecret, ...rest } = request.body;
      // Core reads the empty string as "no secret"; null says the same in JSON.
      const patch: IdentityProviderPatch =
        clientSecret === undefined ? rest : { ...rest, clientSecret: clientSecret ?? '' };
      return toJson(await providers.update(request.params.provider, patch, session.user.id));
    },
  );

  app.delete(
    '/admin/identity-providers/:provider',
    {
      ...guard,
      schema: {
        tags,
        summary: 'Remove an identity provider',
        description: `Every account's link to it goes, and sign-ins with it under way stop.${sensitive}${adminOnly}`,
        security: bearerSecurity,
        params: ProviderParams,
        response: { 204: Type.Null({ description: 'Removed.' }), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const session = await recent(request);
      await providers.remove(request.params.provider, session.user.id);
      return reply.code(204).send(null);
    },
  );
};
