import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  type Core,
  countSignIn,
  isoTime,
  LOGIN_MAX_LENGTH,
  loginResultOf,
  TwofoldError,
} from '../../core/index.js';
import { asSensitive, bearerAuthentication, loginSessionOf } from '../api/auth.js';
import {
  AuthenticatorSchema,
  bearerSecurity,
  errorResponses,
  IsoTime,
  loginTokenOnly,
  RequestBody,
  sensitive,
} from '../api/schemas.js';
import {
  AuthenticationResponseSchema,
  asAuthenticationResponse,
  asRegistrationResponse,
  CreationOptionsSchema,
  RegistrationResponseSchema,
  RequestOptionsSchema,
} from './schemas.js';

const RegistrationBody = RequestBody({
  response: RegistrationResponseSchema,
  name: Type.Optional(
    Type.String({
      maxLength: 64,
      description:
        'What to call the key, e.g. "Blue YubiKey". Default: from its kind ("Security key", "Passkey").',
    }),
  ),
});

const LoginOptionsBody = RequestBody({
  username: Type.String({
    minLength: 1,
    maxLength: LOGIN_MAX_LENGTH,
    description: 'User name or e-mail address.',
  }),
  password: Type.String({ minLength: 1, maxLength: 1100 }),
});

const LoginOptionsResponse = Type.Object(
  {
    loginToken: Type.String({
      description:
        'Identifies this half-done login for POST /api/v1/login/webauthn; valid 5 minutes, and no bearer token.',
    }),
    options: RequestOptionsSchema,
  },
  { description: 'Password accepted: sign `options` with one of your security keys.' },
);

const LoginBody = RequestBody({
  loginToken: Type.String({ minLength: 1, maxLength: 200 }),
  response: AuthenticationResponseSchema,
});

const LoginResponse = Type.Object(
  {
    token: Type.String({ description: 'Send as "Authorization: Bearer <token>". Valid for 12 hours.' }),
    tokenType: Type.Literal('Bearer'),
    expiresAt: IsoTime,
    user: Type.Object({ id: Type.String(), username: Type.String() }),
  },
  { description: 'Logged in.' },
);

const VerifyResponse = Type.Object(
  {
    verifiedAt: IsoTime,
    method: Type.Literal('webauthn'),
    authenticatorId: Type.String(),
  },
  { description: 'Second factor proven: sensitive calls are allowed for 5 minutes.' },
);

const OptionsResponse = (
  options: typeof CreationOptionsSchema | typeof RequestOptionsSchema,
  description: string,
) => Type.Object({ options }, { description });

/**
 * WebAuthn over the JSON API (issue 6): registering a security key or passkey, and using one as
 * the second factor at login and for step-up. Each ceremony is two calls: options, then the
 * browser's answer. Registered inside /api/v1, so it is part of the OpenAPI document.
 */
export const webauthnApiRoutes: FastifyPluginAsyncTypebox<{ core: Core }> = async (app, { core }) => {
  const authenticate = bearerAuthentication(core);

  app.post(
    '/me/authenticators/webauthn/registration/options',
    {
      onRequest: authenticate,
      schema: {
        tags: ['authenticators'],
        summary: 'Start registering a security key or passkey (WebAuthn)',
        description:
          'Returns the options for `navigator.credentials.create()`. The RP ID and origin are those of the ' +
          `public URL; a response made for another origin is refused.${sensitive}${loginTokenOnly}`,
        security: bearerSecurity,
        response: {
          200: OptionsResponse(CreationOptionsSchema, 'Creation options with a fresh challenge.'),
          ...errorResponses(401, 403),
        },
      },
    },
    async (request) => {
      const session = loginSessionOf(request, 'add authenticators');
      return {
        options: await asSensitive(() => core.webauthn.startRegistration(session, { ip: request.ip })),
      };
    },
  );

  app.post(
    '/me/authenticators/webauthn/registration',
    {
      onRequest: authenticate,
      schema: {
        tags: ['authenticators'],
        summary: 'Finish registering a security key or passkey (WebAuthn)',
        description:
          'Send what `navigator.credentials.create()` returned (RegistrationResponseJSON). The key is active at ' +
          `once.${sensitive}${loginTokenOnly}`,
        security: bearerSecurity,
        body: RegistrationBody,
        response: {
          201: Type.Object(AuthenticatorSchema.properties, { description: 'The new, active authenticator.' }),
          ...errorResponses(400, 401, 403, 409, 410),
        },
      },
    },
    async (request, reply) => {
      const session = loginSessionOf(request, 'add authenticators');
      const { authenticator } = await asSensitive(() =>
        core.webauthn.finishRegistration(session, {
          response: asRegistrationResponse(request.body.response),
          name: request.body.name,
          ip: request.ip,
        }),
      );
      return reply.code(201).send(authenticator);
    },
  );

  app.post(
    '/me/verify/webauthn/options',
    {
      onRequest: authenticate,
      schema: {
        tags: ['account'],
        summary: 'Step up with a security key: get the options',
        description: `Options for \`navigator.credentials.get()\` with your keys.${loginTokenOnly}`,
        security: bearerSecurity,
        response: {
          200: OptionsResponse(RequestOptionsSchema, 'Request options with a fresh challenge.'),
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (request) => {
      const session = loginSessionOf(request, 'step up');
      return { options: await core.webauthn.startSecondFactor(session.user) };
    },
  );

  app.post(
    '/me/verify/webauthn',
    {
      onRequest: authenticate,
      schema: {
        tags: ['account'],
        summary: 'Step up with a security key: send the answer',
        description:
          'Send what `navigator.credentials.get()` returned. A refused answer counts as a wrong code for the ' +
          `throttle.${loginTokenOnly}`,
        security: bearerSecurity,
        body: RequestBody({ response: AuthenticationResponseSchema }),
        response: { 200: VerifyResponse, ...errorResponses(400, 401, 403, 410, 423, 429) },
      },
    },
    async (request) => {
      const session = loginSessionOf(request, 'step up');
      const { proof } = await core.webauthn.stepUp(session, asAuthenticationResponse(request.body.response), {
        ip: request.ip,
      });
      return {
        verifiedAt: isoTime(core.clock.now()),
        method: 'webauthn' as const,
        authenticatorId: proof.authenticatorId,
      };
    },
  );

  app.post(
    '/login/webauthn/options',
    {
      schema: {
        tags: ['login'],
        summary: 'Log in with a password and a security key: check the password, get the options',
        description:
          'For accounts with a security key. Answers 401 "Invalid username or password." for a wrong password, ' +
          '404 when the account has no security key (log in with a code instead), 409 when the password alone ' +
          '(or with a code appended) already completes the login (use POST /api/v1/login).',
        body: LoginOptionsBody,
        response: { 200: LoginOptionsResponse, ...errorResponses(400, 401, 404, 409, 423, 429) },
      },
    },
    async (request) => {
      const result = await countSignIn(
        core.metrics,
        'api',
        core.signIn.login({
          login: request.body.username,
          password: request.body.password,
          kind: 'api',
          ip: request.ip,
          userAgent: request.headers['user-agent'],
        }),
        loginResultOf,
      );
      if (result.outcome === 'signed_in') {
        // Not what this call is for: the login it made is not handed out here.
        await core.sessions.endToken(result.session.token);
        throw new TwofoldError(
          'conflict',
          'This login needs no security key: log in with POST /api/v1/login instead.',
        );
      }
      const options = await core.webauthn.startSecondFactor(result.user);
      // The password step, remembered for five minutes; never accepted as a bearer token.
      const pending = await core.sessions.create({
        userId: result.user.id,
        kind: 'api',
        stage: 'password',
        secondFactorAt: null,
        amr: ['pwd'],
        ip: request.ip,
        userAgent: request.headers['user-agent'],
      });
      return { loginToken: pending.token, options };
    },
  );

  app.post(
    '/login/webauthn',
    {
      schema: {
        tags: ['login'],
        summary: 'Log in with a password and a security key: send the answer',
        description:
          'Send the `loginToken` from POST /api/v1/login/webauthn/options and what `navigator.credentials.get()` ' +
          'returned. A refused answer counts as a wrong code for the throttle.',
        body: LoginBody,
        response: { 200: LoginResponse, ...errorResponses(400, 401, 410, 423, 429) },
      },
    },
    async (request) => {
      const pending = await core.sessions.resolve(request.body.loginToken);
      if (pending?.row.kind !== 'api' || pending.row.stage !== 'password') {
        throw new TwofoldError(
          'unauthenticated',
          'This login has expired (5 minutes) or is unknown. Start again with POST /api/v1/login/webauthn/options.',
        );
      }
      const session = await countSignIn(
        core.metrics,
        'api',
        core.webauthn.completeLogin(pending, asAuthenticationResponse(request.body.response), {
          ip: request.ip,
          userAgent: request.headers['user-agent'],
        }),
      );
      return {
        token: session.token,
        tokenType: 'Bearer' as const,
        expiresAt: isoTime(session.expiresAt),
        user: { id: pending.user.id, username: pending.user.username },
      };
    },
  );
};
