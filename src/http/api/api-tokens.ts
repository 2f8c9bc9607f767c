import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { API_TOKEN_PREFIX, type Core } from '../../core/index.js';
import { asSensitive, bearerAuthentication, loginSessionOf, principalOf } from './auth.js';
import {
  bearerSecurity,
  errorResponses,
  IdParams,
  IsoTime,
  IsoTimeOrNull,
  loginTokenOnly,
  RequestBody,
  sensitive,
} from './schemas.js';

const ApiTokenSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  createdAt: IsoTime,
  lastUsedAt: IsoTimeOrNull,
  expiresAt: IsoTimeOrNull,
});

const CreateBody = RequestBody({
  name: Type.String({
    minLength: 1,
    maxLength: 64,
    description: 'What the token is for, e.g. "backup script".',
  }),
  expiresInDays: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 3650,
      description: 'Days until the token stops working; 90 by default.',
    }),
  ),
});

const CreatedResponse = Type.Object(
  {
    ...ApiTokenSchema.properties,
    token: Type.String({
      description: `The token, shown this once (only its hash is stored). Starts with "${API_TOKEN_PREFIX}".`,
    }),
  },
  { description: 'Created. Store `token` now: it is never shown again.' },
);

/** Personal API tokens: scripts authenticate with them without a one-time code. */
export const apiTokenRoutes: FastifyPluginAsyncTypebox<{ core: Core }> = async (app, { core }) => {
  const authenticate = bearerAuthentication(core);

  app.post(
    '/me/api-tokens',
    {
      onRequest: authenticate,
      schema: {
        tags: ['api tokens'],
        summary: 'Create a personal API token',
        description:
          'The token authenticates API calls without a code, but can never create tokens, add or remove ' +
          `authenticators, or change the password.${sensitive}${loginTokenOnly}`,
        security: bearerSecurity,
        body: CreateBody,
        response: { 201: CreatedResponse, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const session = loginSessionOf(request, 'create API tokens');
      const { name, expiresInDays } = request.body;
      const created = await asSensitive(() =>
        core.apiTokens.create(session, { name, expiresInDays, ip: request.ip }),
      );
      return reply.code(201).send({ ...created.apiToken, token: created.token });
    },
  );

  app.get(
    '/me/api-tokens',
    {
      onRequest: authenticate,
      schema: {
        tags: ['api tokens'],
        summary: 'Your personal API tokens (never the tokens themselves)',
        security: bearerSecurity,
        response: {
          200: Type.Object(
            { apiTokens: Type.Array(ApiTokenSchema) },
            { description: 'Tokens not revoked, oldest first.' },
          ),
          ...errorResponses(401),
        },
      },
    },
    async (request) => ({ apiTokens: await core.apiTokens.list(principalOf(request).user) }),
  );

  app.delete(
    '/me/api-tokens/:id',
    {
      onRequest: authenticate,
      schema: {
        tags: ['api tokens'],
        summary: 'Revoke a personal API token',
        description: 'It stops working with the next request. A personal token may revoke itself only.',
        security: bearerSecurity,
        params: IdParams,
        response: { 204: Type.Null({ description: 'Revoked.' }), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      // A leaked token may be used to kill itself, never to cut off the owner's other scripts.
      if (principal.kind === 'api_token' && principal.tokenId !== request.params.id) {
        loginSessionOf(request, 'revoke other API tokens');
      }
      await core.apiTokens.revoke(principal.user, request.params.id, { ip: request.ip });
      return reply.code(204).send(null);
    },
  );
};
