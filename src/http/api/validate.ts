import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import {
  type Core,
  countSignIn,
  credentialResultOf,
  LOGIN_MAX_LENGTH,
  TwofoldError,
} from '../../core/index.js';
import { errorResponses, RequestBody } from './schemas.js';

const ValidateBody = RequestBody({
  user: Type.String({
    minLength: 1,
    maxLength: LOGIN_MAX_LENGTH,
    description: 'User name or e-mail address.',
  }),
  code: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'A one-time code from the authenticator app, or a backup code.',
    }),
  ),
  password: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 1100,
      description:
        'The password, when Twofold should check it too; the code may be typed right after it, as on the login page.',
    }),
  ),
});

const ValidateResponse = Type.Object(
  {
    ok: Type.Boolean({ description: 'Whether the person proved what the service needs of them.' }),
    reason: Type.Optional(
      Type.Union(
        [
          Type.Literal('invalid_credentials'),
          Type.Literal('invalid_code'),
          Type.Literal('code_required'),
          Type.Literal('no_second_factor'),
          Type.Literal('throttled'),
          Type.Literal('locked'),
        ],
        {
          description:
            'When `ok` is false: `invalid_credentials` (wrong password or no such person: the same answer), ' +
            '`invalid_code` (wrong, already used, or none to check), `code_required` (the password is right; ' +
            'this service needs a code as well), `no_second_factor` (this service needs a code and the person ' +
            'has no authenticator), `throttled` (too many failures: wait `retryAfterSeconds`), `locked` (too ' +
            'many wrong codes: an administrator unlocks, or the person signs in with a backup code).',
        },
      ),
    ),
    message: Type.Optional(Type.String({ description: 'The reason in words a person can act on.' })),
    retryAfterSeconds: Type.Optional(Type.Integer()),
    user: Type.Optional(
      Type.Object(
        {
          id: Type.String(),
          username: Type.String(),
          email: Type.String(),
          name: Type.String(),
        },
        { description: 'Who signed in (when `ok`).' },
      ),
    ),
    amr: Type.Optional(
      Type.Array(Type.String(), { description: 'RFC 8176 methods proven: `pwd`, `otp`, `mfa`.' }),
    ),
    acr: Type.Optional(Type.String({ description: 'The assurance level reached, as in the ID tokens.' })),
    backupCodesRemaining: Type.Optional(
      Type.Integer({ description: 'Set when a backup code was used: how many the person has left.' }),
    ),
  },
  { description: 'The answer: always 200 once the application is known, `ok` true or false.' },
);

/**
 * POST /api/v1/validate: an application that has no browser to send to Twofold (a script, an
 * internal tool, a legacy login form) asks whether a person's code — and, if it wants, their
 * password — is right. The service's MFA policy and the person's Service Settings decide
 * whether a code is needed; throttles and the replay rule are the login page's own.
 */
export const validateRoutes: FastifyPluginAsyncTypebox<{ core: Core }> = async (app, { core }) => {
  app.post(
    '/validate',
    {
      schema: {
        tags: ['validate'],
        summary: "Check a person's one-time code (and password) for an application",
        description:
          'Authenticate with HTTP Basic: the client id and secret of a service of kind `application`. Send ' +
          '`user` with a `code`, a `password` (the code may be appended to it), or both. The answer is 200 with ' +
          '`ok` and, when false, a `reason`. Wrong guesses count on the same throttle as the login page, and a ' +
          'code accepted here is refused everywhere after.',
        security: [{ basicAuth: [] }],
        body: ValidateBody,
        response: { 200: ValidateResponse, ...errorResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const service = await core.services.authenticateApplication(...basicCredentials(request));
      const { user, code, password } = request.body;
      const result = await countSignIn(
        core.metrics,
        'validate',
        core.credentialCheck.check({ service, login: user, code, password, ip: request.ip }),
        credentialResultOf,
      );
      if (!result.ok) {
        if (result.retryAfterSeconds !== undefined)
          reply.header('retry-after', String(result.retryAfterSeconds));
        return {
          ok: false,
          reason: result.reason,
          message: result.message,
          ...(result.retryAfterSeconds !== undefined ? { retryAfterSeconds: result.retryAfterSeconds } : {}),
        };
      }
      const person = result.user;
      return {
        ok: true,
        user: {
          id: person.id,
          username: person.username,
          email: person.email,
          name: `${person.first_name} ${person.last_name}`.trim(),
        },
        amr: [...result.amr],
        acr: result.acr,
        ...(result.backupCodesRemaining !== undefined
          ? { backupCodesRemaining: result.backupCodesRemaining }
          : {}),
      };
    },
  );
};

/** RFC 7617; the client id may not hold a colon, the secret may. */
function basicCredentials(request: FastifyRequest): [string, string] {
  const match = /^Basic +([A-Za-z0-9+/=]+)$/i.exec(request.headers.authorization ?? '');
  const decoded = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  if (colon <= 0) {
    throw new TwofoldError(
      'unauthenticated',
      'Send the application\'s client id and secret with HTTP Basic authentication: "Authorization: Basic base64(client_id:secret)".',
    );
  }
  return [decoded.slice(0, colon), decoded.slice(colon + 1)];
}
