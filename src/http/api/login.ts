import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { type Core, countSignIn, isoTime, LOGIN_MAX_LENGTH, loginResultOf } from '../../core/index.js';
import { errorEnvelope } from '../error-envelope.js';
import { bearerAuthentication, principalOf } from './auth.js';
import { bearerSecurity, errorResponses, IsoTime, RequestBody } from './schemas.js';

/**
 * Seed 001, word for word: the body when the password was right but the code is missing or
 * wrong. It carries no `reason`, so clients written against the seed compare it as a whole.
 */
export const ADDITIONAL_STEPS_MESSAGE = 'Additional authentications steps required.';

const LoginBody = RequestBody({
  username: Type.String({
    minLength: 1,
    maxLength: LOGIN_MAX_LENGTH,
    description: 'User name or e-mail address.',
  }),
  password: Type.String({
    minLength: 1,
    maxLength: 1100,
    description:
      'The password; with a second factor active, the code may be typed right after it (seed 001).',
  }),
  otp: Type.Optional(
    Type.String({ maxLength: 64, description: 'The one-time code, when not appended to the password.' }),
  ),
});

const LoginResponse = Type.Object(
  {
    token: Type.String({ description: 'Send as `Authorization: Bearer <token>`. Valid for 12 hours.' }),
    tokenType: Type.Literal('Bearer'),
    expiresAt: IsoTime,
    user: Type.Object({ id: Type.String(), username: Type.String() }),
  },
  { description: 'Logged in.' },
);

/** POST /api/v1/login and /logout: the API's sign-in, through the same use case as the login page. */
export const loginRoutes: FastifyPluginAsyncTypebox<{ core: Core }> = async (app, { core }) => {
  app.post(
    '/login',
    {
      schema: {
        tags: ['login'],
        summary: 'Log in with a password and, when one is active, a second factor',
        description:
          'With a second factor active, send the code in `otp` or right after the password. A missing or wrong ' +
          `code answers 401 with message "${ADDITIONAL_STEPS_MESSAGE}" and no \`reason\`; a wrong password or ` +
          'unknown user answers 401 "Invalid username or password.". A user who must use MFA but has no ' +
          'authenticator yet gets a token that can only set one up (elsewhere 401 `enrollment_required`).',
        body: LoginBody,
        response: { 200: LoginResponse, ...errorResponses(400, 401, 423, 429) },
      },
    },
    async (request, reply) => {
      const { username, password, otp } = request.body;
      const result = await countSignIn(
        core.metrics,
        'api',
        core.signIn.login({
          login: username,
          password,
          otp,
          kind: 'api',
          ip: request.ip,
          userAgent: request.headers['user-agent'],
        }),
        loginResultOf,
      );
      if (result.outcome === 'second_factor_required') {
        return reply.code(401).send(errorEnvelope(401, ADDITIONAL_STEPS_MESSAGE));
      }
      return {
        token: result.session.token,
        tokenType: 'Bearer' as const,
        expiresAt: isoTime(result.session.expiresAt),
        user: { id: result.user.id, username: result.user.username },
      };
    },
  );

  app.post(
    '/logout',
    {
      onRequest: bearerAuthentication(core, { duringEnrollment: true }),
      schema: {
        tags: ['login'],
        summary: 'End the token this call is made with',
        description:
          'A login token ends; a personal API token is revoked, as by DELETE /api/v1/me/api-tokens/{id}.',
        security: bearerSecurity,
        response: { 204: Type.Null({ description: 'Logged out.' }), ...errorResponses(401) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.kind === 'session') {
        await core.signIn.logout(principal.session, { ip: request.ip });
      } else {
        await core.apiTokens.revoke(principal.user, principal.tokenId, { ip: request.ip });
      }
      return reply.code(204).send(null);
    },
  );
};
