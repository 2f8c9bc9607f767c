import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Core } from '../../core/index.js';
import { qrCodeSvg } from '../qr-code.js';
import { asSensitive, bearerAuthentication, loginSessionOf, principalOf } from './auth.js';
import {
  AuthenticatorSchema,
  bearerSecurity,
  errorResponses,
  IdParams,
  IsoTime,
  loginTokenOnly,
  RequestBody,
  sensitive,
} from './schemas.js';

const NameField = Type.String({ maxLength: 64, description: 'What to call the device, e.g. "Phone".' });

const StartBody = RequestBody({ name: Type.Optional(NameField) });

const StartResponse = Type.Object(
  {
    id: Type.String({ description: 'Activate with POST /api/v1/me/authenticators/{id}/activate.' }),
    status: Type.Literal('pending'),
    secret: Type.String({ description: 'The shared secret, base32 without padding: for typing in by hand.' }),
    otpauthUri: Type.String({ description: 'The otpauth:// Key URI that the QR code holds.' }),
    qrSvg: Type.String({ description: 'The QR code as an SVG document.' }),
    expiresAt: IsoTime,
  },
  { description: 'A pending authenticator: scan `qrSvg` or type `secret` into the app, then activate it.' },
);

const ActivateBody = RequestBody({
  code: Type.String({ minLength: 1, maxLength: 64, description: 'The newest code the device shows.' }),
  name: Type.Optional(NameField),
});

/** The caller's authenticators: list, set up TOTP, activate, remove. */
export const authenticatorRoutes: FastifyPluginAsyncTypebox<{ core: Core }> = async (app, { core }) => {
  const authenticate = bearerAuthentication(core);
  // Setting up the first factor is exactly what a login still in enrollment is for.
  const authenticateDuringEnrollment = bearerAuthentication(core, { duringEnrollment: true });

  app.get(
    '/me/authenticators',
    {
      onRequest: authenticateDuringEnrollment,
      schema: {
        tags: ['authenticators'],
        summary: 'Your active authenticators',
        security: bearerSecurity,
        response: {
          200: Type.Object(
            { authenticators: Type.Array(AuthenticatorSchema) },
            { description: 'Active authenticators, oldest first.' },
          ),
          ...errorResponses(401),
        },
      },
    },
    async (request) => ({ authenticators: await core.authenticators.list(principalOf(request).user) }),
  );

  app.post(
    '/me/authenticators/totp',
    {
      onRequest: authenticateDuringEnrollment,
      // The body is optional: a POST without one names nothing.
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: {
        tags: ['authenticators'],
        summary: 'Start setting up an authenticator app (TOTP)',
        description:
          'The device stays pending, and never logs anyone in, until a code from it is sent to ' +
          `…/{id}/activate within 15 minutes.${sensitive}${loginTokenOnly}`,
        security: bearerSecurity,
        body: StartBody,
        response: { 201: StartResponse, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const session = loginSessionOf(request, 'add authenticators');
      await asSensitive(() => core.authenticators.assertMayChangeFactors(session));
      // `name` is passed along for when the use case keeps it with the pending device; until
      // then a name sent to …/activate applies.
      const context = { ip: request.ip, name: request.body.name };
      const enrollment = await core.totp.start(session.user, context);
      const qrSvg = await qrCodeSvg(enrollment.otpauthUri, { type: 'svg', errorCorrectionLevel: 'M' });
      return reply.code(201).send({
        id: enrollment.authenticatorId,
        status: 'pending' as const,
        secret: enrollment.secret,
        otpauthUri: enrollment.otpauthUri,
        qrSvg,
        expiresAt: new Date(enrollment.expiresAt).toISOString(),
      });
    },
  );

  app.post(
    '/me/authenticators/:id/activate',
    {
      onRequest: authenticateDuringEnrollment,
      schema: {
        tags: ['authenticators'],
        summary: 'Activate a pending authenticator with a code from it',
        description: `The code is used up: it cannot also log in.${loginTokenOnly}`,
        security: bearerSecurity,
        params: IdParams,
        body: ActivateBody,
        response: {
          200: Type.Object(AuthenticatorSchema.properties, { description: 'The active authenticator.' }),
          ...errorResponses(400, 401, 403, 404, 410),
        },
      },
    },
    async (request) => {
      const session = loginSessionOf(request, 'add authenticators');
      const { code, name } = request.body;
      // With the session, the code counts as a fresh second factor there and ends enrollment.
      const { authenticator } = await core.totp.activate(session.user, request.params.id, {
        code,
        name,
        ip: request.ip,
        session,
      });
      return authenticator;
    },
  );

  app.delete(
    '/me/authenticators/:id',
    {
      onRequest: authenticate,
      schema: {
        tags: ['authenticators'],
        summary: 'Remove an authenticator',
        description: `Its codes stop working at once.${sensitive}${loginTokenOnly}`,
        security: bearerSecurity,
        params: IdParams,
        response: { 204: Type.Null({ description: 'Removed.' }), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const session = loginSessionOf(request, 'remove authenticators');
      await asSensitive(() => core.authenticators.remove(session, request.params.id, { ip: request.ip }));
      return reply.code(204).send(null);
    },
  );
};
