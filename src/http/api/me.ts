import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { type Core, isMfaRequired, isoTime, summarizeUser } from '../../core/index.js';
import { asSensitive, bearerAuthentication, loginSessionOf, principalOf } from './auth.js';
import {
  AuthenticatorSchema,
  bearerSecurity,
  errorResponses,
  IsoTime,
  IsoTimeOrNull,
  loginTokenOnly,
  RequestBody,
  sensitive,
} from './schemas.js';

const MeResponse = Type.Object(
  {
    id: Type.String(),
    username: Type.String(),
    email: Type.String(),
    firstName: Type.String(),
    lastName: Type.String(),
    isAdmin: Type.Boolean(),
    createdAt: IsoTime,
    lastLoginAt: IsoTimeOrNull,
    mfa: Type.Object({
      active: Type.Boolean({ description: 'The user has at least one active authenticator.' }),
      required: Type.Boolean({
        description:
          'A second factor is required of this user (set by an administrator, and always for administrators). ' +
          'Until one is active, a login token may only set one up.',
      }),
    }),
    authenticators: Type.Array(AuthenticatorSchema),
    authenticatedWith: Type.Union([Type.Literal('login'), Type.Literal('api_token')], {
      description: 'What this call was made with: a login token or a personal API token.',
    }),
  },
  { description: 'Your account.' },
);

const VerifyBody = RequestBody({
  otp: Type.String({
    minLength: 1,
    maxLength: 64,
    description: 'A current code from one of your authenticators.',
  }),
});

const VerifyResponse = Type.Object(
  {
    verifiedAt: IsoTime,
    method: Type.String({ description: 'What proved the second factor, e.g. `totp`.' }),
  },
  { description: 'Second factor proven for this login token.' },
);

const PasswordBody = RequestBody({
  currentPassword: Type.String({ minLength: 1, maxLength: 1100 }),
  newPassword: Type.String({ minLength: 1, maxLength: 1100, description: 'At least 10 characters.' }),
});

/** The caller's own account: profile, step-up and password. */
export const meRoutes: FastifyPluginAsyncTypebox<{ core: Core }> = async (app, { core }) => {
  const authenticate = bearerAuthentication(core);
  const authenticateDuringEnrollment = bearerAuthentication(core, { duringEnrollment: true });

  app.get(
    '/me',
    {
      onRequest: authenticateDuringEnrollment,
      schema: {
        tags: ['account'],
        summary: 'Your profile, whether MFA is on or required, and your authenticators',
        security: bearerSecurity,
        response: { 200: MeResponse, ...errorResponses(401) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const user = summarizeUser(principal.user);
      const authenticators = await core.authenticators.list(principal.user);
      return {
        id: user.id,
        username: user.username,
        email: user.email,
        firstName: user.firstName,
        lastName: user.lastName,
        isAdmin: user.isAdmin,
        createdAt: user.createdAt,
        lastLoginAt: user.lastLoginAt,
        mfa: { active: authenticators.length > 0, required: isMfaRequired(principal.user) },
        authenticators,
        authenticatedWith: principal.kind === 'session' ? ('login' as const) : ('api_token' as const),
      };
    },
  );

  app.post(
    '/me/verify',
    {
      onRequest: authenticate,
      schema: {
        tags: ['account'],
        summary: 'Step up: prove a fresh second factor for this login token',
        description:
          'Sensitive calls need a second factor and a password proof, each younger than 5 minutes: this renews ' +
          `the first; for the second, log in again.${loginTokenOnly}`,
        security: bearerSecurity,
        body: VerifyBody,
        response: { 200: VerifyResponse, ...errorResponses(400, 401, 403, 423, 429) },
      },
    },
    async (request) => {
      const session = loginSessionOf(request, 'step up');
      const { proof } = await core.stepUp.verify(session, request.body.otp, { ip: request.ip });
      return { verifiedAt: isoTime(core.clock.now()), method: proof.method };
    },
  );

  app.post(
    '/me/password',
    {
      onRequest: authenticate,
      schema: {
        tags: ['account'],
        summary: 'Change your password',
        description: `Every other login token and browser session ends.${sensitive}${loginTokenOnly}`,
        security: bearerSecurity,
        body: PasswordBody,
        response: { 204: Type.Null({ description: 'Changed.' }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const session = loginSessionOf(request, 'change the password');
      const { currentPassword, newPassword } = request.body;
      await asSensitive(() =>
        core.passwords.change(session, { currentPassword, newPassword, ip: request.ip }),
      );
      return reply.code(204).send(null);
    },
  );
};
