import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Core, ServiceSummary, ServiceWithSecret } from '../../core/index.js';
import { adminGuard, adminOnly } from './admin-guard.js';
import { bearerSecurity, errorResponses, IsoTime, RequestBody, sensitive } from './schemas.js';

const Policy = Type.Union(
  [Type.Literal('required'), Type.Literal('user_choice'), Type.Literal('not_required')],
  {
    description:
      '`required`: always a second factor; `user_choice`: on once the person has MFA, they may turn it off in ' +
      'Service Settings; `not_required`: the password is enough.',
  },
);
const SigningAlg = Type.Union([Type.Literal('ES256'), Type.Literal('RS256')], {
  description: 'How ID tokens are signed; RS256 only for services that support nothing else.',
});
const Uris = (description: string) =>
  Type.Array(Type.String({ minLength: 1, maxLength: 2000 }), { maxItems: 20, description });
const Scopes = Type.Array(
  Type.Union([
    Type.Literal('openid'),
    Type.Literal('profile'),
    Type.Literal('email'),
    Type.Literal('offline_access'),
  ]),
  { maxItems: 4, description: 'What the service may ask for; `openid` is always included.' },
);

const kinds = (options: { default?: string; description: string }) =>
  Type.Union(
    [Type.Literal('oidc'), Type.Literal('site'), Type.Literal('application'), Type.Literal('radius')],
    options,
  );
const KIND_DESCRIPTION =
  '`oidc`: an OpenID Connect client; `site`: a site behind a reverse proxy that asks ' +
  '`/api/authz/forward-auth`; `application`: calls `/api/v1/validate` with its client id and secret; ' +
  '`radius`: a RADIUS client (VPN, network device).';
const Kind = kinds({ description: KIND_DESCRIPTION });
const Hosts = (description: string) =>
  Type.Array(Type.String({ minLength: 1, maxLength: 300 }), { maxItems: 20, description });
const Networks = (description: string) =>
  Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 20, description });

const ServiceSchema = Type.Object(
  {
    id: Type.String(),
    clientId: Type.String(),
    name: Type.String(),
    kind: Kind,
    type: Type.Union([Type.Literal('confidential'), Type.Literal('public')]),
    hosts: Type.Array(Type.String(), { description: "A site's host names, with optional path prefixes." }),
    networks: Type.Array(Type.String(), { description: "A RADIUS client's addresses or networks." }),
    redirectUris: Type.Array(Type.String()),
    logoutUris: Type.Array(Type.String()),
    scopes: Type.Array(Type.String()),
    skipConsent: Type.Boolean(),
    mfaPolicy: Policy,
    signingAlg: SigningAlg,
    createdAt: IsoTime,
    updatedAt: IsoTime,
  },
  { description: 'A service (OpenID Connect client); never its secret.' },
);

const ServiceWithSecretSchema = Type.Object(
  {
    service: ServiceSchema,
    clientSecret: Type.Optional(
      Type.String({
        description:
          "Shown this once. An OIDC client's or an application's: Twofold keeps only its SHA-256; a RADIUS " +
          "client's shared secret: kept sealed. Absent for a public service and a site.",
      }),
    ),
  },
  { description: 'The service and its new client secret.' },
);

const NewServiceBody = RequestBody({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  kind: Type.Optional(kinds({ default: 'oidc', description: KIND_DESCRIPTION })),
  clientId: Type.Optional(
    Type.String({ minLength: 1, maxLength: 64, description: 'Default: from the name.' }),
  ),
  redirectUris: Type.Optional(
    Uris('oidc: absolute https URLs (http only on loopback), matched exactly; at least one.'),
  ),
  hosts: Type.Optional(Hosts('site: host names, each optionally with a path prefix; at least one.')),
  networks: Type.Optional(Networks('radius: IPv4/IPv6 addresses or CIDR networks; at least one.')),
  radiusSecret: Type.Optional(
    Type.String({
      minLength: 16,
      maxLength: 128,
      description: "radius: the device's shared secret; generated when absent.",
    }),
  ),
  logoutUris: Type.Optional(Uris('Where the service may send people after logging out.')),
  type: Type.Optional(
    Type.Union([Type.Literal('confidential'), Type.Literal('public')], {
      description: 'oidc only; `confidential` when absent.',
    }),
  ),
  scopes: Type.Optional(Scopes),
  skipConsent: Type.Optional(
    Type.Boolean({ description: 'A first-party service: nobody is asked to allow it.' }),
  ),
  mfaPolicy: Type.Optional(Policy),
  signingAlg: Type.Optional(SigningAlg),
});

const PatchServiceBody = RequestBody({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  hosts: Type.Optional(Hosts('site: all of them.')),
  networks: Type.Optional(Networks('radius: all of them.')),
  redirectUris: Type.Optional(Uris('All of them: they replace the registered ones.')),
  logoutUris: Type.Optional(Uris('All of them.')),
  scopes: Type.Optional(Scopes),
  skipConsent: Type.Optional(Type.Boolean()),
  mfaPolicy: Type.Optional(Policy),
  signingAlg: Type.Optional(SigningAlg),
});

const ServiceParams = Type.Object({
  clientId: Type.String({ minLength: 1, maxLength: 100, description: 'The client id (or the name).' }),
});

const toJson = (service: ServiceSummary) => ({
  ...service,
  redirectUris: [...service.redirectUris],
  logoutUris: [...service.logoutUris],
  scopes: [...service.scopes],
  hosts: [...service.hosts],
  networks: [...service.networks],
});
const withSecret = (result: ServiceWithSecret) => ({ ...result, service: toJson(result.service) });

/**
 * Services in the administration API: what `twofold service` and the admin page "Services" do.
 * Changes are audited with the administrator as actor and need a fresh second factor.
 */
export const adminServiceRoutes: FastifyPluginAsyncTypebox<{ core: Core }> = async (app, { core }) => {
  const { guard, recent } = adminGuard(core);
  const tags = ['administration'];

  app.get(
    '/admin/services',
    {
      ...guard,
      schema: {
        tags,
        summary: 'The services that sign people in through Twofold',
        description: adminOnly,
        security: bearerSecurity,
        response: {
          200: Type.Object(
            { services: Type.Array(ServiceSchema) },
            { description: 'Every service, by name.' },
          ),
          ...errorResponses(401, 403),
        },
      },
    },
    async () => ({ services: (await core.services.list()).map(toJson) }),
  );

  app.post(
    '/admin/services',
    {
      ...guard,
      schema: {
        tags,
        summary: 'Register a service (OpenID Connect client)',
        description: `A confidential service gets a client secret, in this answer only.${sensitive}${adminOnly}`,
        security: bearerSecurity,
        body: NewServiceBody,
        response: { 201: ServiceWithSecretSchema, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const session = await recent(request);
      return reply.code(201).send(withSecret(await core.services.register(request.body, session.user.id)));
    },
  );

  app.get(
    '/admin/services/:clientId',
    {
      ...guard,
      schema: {
        tags,
        summary: 'One service',
        description: adminOnly,
        security: bearerSecurity,
        params: ServiceParams,
        response: { 200: ServiceSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => toJson(await core.services.show(request.params.clientId)),
  );

  app.patch(
    '/admin/services/:clientId',
    {
      ...guard,
      schema: {
        tags,
        summary: 'Change a service: name, URIs, scopes, consent, MFA policy, signing algorithm',
        description: `Fields left out stay as they are.${sensitive}${adminOnly}`,
        security: bearerSecurity,
        params: ServiceParams,
        body: PatchServiceBody,
        response: { 200: ServiceSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const session = await recent(request);
      return toJson(await core.services.update(request.params.clientId, request.body, session.user.id));
    },
  );

  app.delete(
    '/admin/services/:clientId',
    {
      ...guard,
      schema: {
        tags,
        summary: 'Remove a service',
        description: `Every code and token issued to it stops working.${sensitive}${adminOnly}`,
        security: bearerSecurity,
        params: ServiceParams,
        response: { 204: Type.Null({ description: 'Removed.' }), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const session = await recent(request);
      await core.services.remove(request.params.clientId, session.user.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/admin/services/:clientId/rotate-secret',
    {
      ...guard,
      schema: {
        tags,
        summary: 'A new client secret for a confidential service',
        description: `The previous secret stops working at once.${sensitive}${adminOnly}`,
        security: bearerSecurity,
        params: ServiceParams,
        response: { 200: ServiceWithSecretSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const session = await recent(request);
      return withSecret(await core.services.rotateSecret(request.params.clientId, session.user.id));
    },
  );
};
